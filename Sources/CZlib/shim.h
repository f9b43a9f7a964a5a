// The system zlib (Linux: package zlib1g-dev; macOS: part of the SDK), for gzip decompression
// of IDX data files. zlib's own `inflateInit2` is a macro, which Swift cannot call, so the
// shim wraps it (and its compression twin, used by tests to build fixtures) in functions.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H

#include <zlib.h>

/// `inflateInit2(stream, windowBits)` as a function Swift can call.
static inline int czlib_inflate_init2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

/// `deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY)` as a function.
static inline int czlib_deflate_init2(z_streamp stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

#endif
