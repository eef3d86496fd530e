# Seed 002: the DMA_ATTR_CC_SHARED series (2026). dma_capable() takes the attributes and refuses
# an encrypted address for a device that needs unencrypted DMA, so dma-direct bounces only what
# must be bounced; a TDISP-accepted device is exempt from force_dma_unencrypted(); swiotlb and
# atomic pools record their encryption state and serve only matching requests.
# Before: linux-swiotlb-force (SWIOTLB_FORCE on every confidential platform).
profile seed002-dma-attr-cc-shared
base linux-swiotlb-force
summary DMA_ATTR_CC_SHARED through dma-direct, atomic pools and swiotlb
cc-bounce = cc-shared-attr
trusted-devices = exempt
swiotlb-pool-selection = strict
atomic-pool-selection = strict
