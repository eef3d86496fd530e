/* From the kernel tree: see bouncer_shim.h. */
#include <include/linux/swiotlb.h>
