/* SPDX-License-Identifier: MIT */
/* Internal symbols: shared between the library's files, never a user's.
 * They carry the segoff__ prefix, so that a static link cannot collide with
 * a user's own names (make check's symbol check holds every global symbol
 * of libsegoff.a to the segoff_ prefix), and hidden visibility, so that the
 * shared library exports only the public API. */
#ifndef SEGOFF_INTERNAL_H
#define SEGOFF_INTERNAL_H

#define SEGOFF_INTERNAL __attribute__((visibility("hidden")))

#endif
