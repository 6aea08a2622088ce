#pragma once
// Process-wide memory allocator settings for programs that run the networks.

namespace marionette::allocator {

// Keeps freed blocks of up to 256 MB in the heap instead of returning them to the system. By default glibc
// maps every block over 128 kB afresh and unmaps it on free, so each inference spends a large part of its
// time in page faults zero-filling the same activation buffers (the 2816 x 2816 attention matrix alone is
// 32 MB). Call once, early in main().
void keepFreedBlocksForReuse();

}  // namespace marionette::allocator
