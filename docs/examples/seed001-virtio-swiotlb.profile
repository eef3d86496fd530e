# Seed 001: "content: Add VIRTIO_F_SWIOTLB to negotiate use of SWIOTLB bounce buffers" (David
# Woodhouse, RFC, April 2025). A device offering VIRTIO_F_SWIOTLB brings its own bounce region;
# the guest installs it as the device's restricted pool, drives the device through the DMA API,
# and needs no VIRTIO_F_ACCESS_PLATFORM from it.
# Before: linux-upstream (no such feature).
profile seed001-virtio-swiotlb
base linux-upstream
summary virtio devices may bring their own bounce region (VIRTIO_F_SWIOTLB)
virtio-swiotlb = bounce-region
