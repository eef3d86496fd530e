import BouncerTransports

/// The offers and feature sets the transport suites share.
let storvsc = VmbusOffer(deviceClass: .storvsc)
let netvsc = VmbusOffer(deviceClass: .netvsc)
/// What a modern virtio device offers under confidential computing.
let modern: VirtioFeatures = [.version1, .accessPlatform]
