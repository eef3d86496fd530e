# Seed 000: "x86/VMBus: Confidential VMBus for dynamic DMA transfers" (Tianyu Lan, RFC v3,
# March 2026). A VMBus device whose channel has co_external_memory DMAs straight into private
# memory, so vmbus_device_register() disables its swiotlb (swiotlb_dev_disable()) and the device
# is never bounced through decrypted memory.
# Before: cvmbus-swiotlb (mainline's Confidential VMBus, where such devices still bounce).
profile seed000-cvmbus-dynamic-dma
base cvmbus-swiotlb
summary Confidential VMBus devices with co_external_memory bypass swiotlb
vmbus-external-memory = accepted
