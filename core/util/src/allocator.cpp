#include "marionette/util/allocator.h"

#include <malloc.h>

namespace marionette::allocator {

void keepFreedBlocksForReuse() {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

}  // namespace marionette::allocator
