// The file a loaded symbol comes from, for reporting which system BLAS was found.
#define _GNU_SOURCE
#include "CLinalgKernels.h"
#include <dlfcn.h>
#include <string.h>

int dni_library_path_of_symbol(const void *symbol, char *path, int64_t capacity) {
    Dl_info information;
    if (capacity <= 0 || dladdr(symbol, &information) == 0 || information.dli_fname == NULL) return 0;
    strncpy(path, information.dli_fname, (size_t)capacity - 1);
    path[capacity - 1] = 0;
    return 1;
}
