/*
 * Argument checks shared by every N-API entry point. Each helper either fills its output or throws
 * a JS TypeError/RangeError (code ERR_PK_*) whose message is the caller's `msg`, and returns 0 so
 * the entry point can return at once. Extents and offsets use the checked arithmetic of checked.h.
 */
#ifndef PAPERKIT_ARGS_H
#define PAPERKIT_ARGS_H

#include <node_api.h>
#include <stdint.h>

#include "checked.h"

/* Largest offset accepted into any array (far beyond any real array, far below int64 overflow). */
#define PK_MAX_OFFSET ((int64_t)1 << 53)

/* A Float32Array (or Int32Array) view: its data and length in elements. */
typedef struct {
  void *data;
  int64_t len;
} pk_view;

/* The call's arguments; throws a TypeError unless there are exactly `want`. */
int pk_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *msg);

/* A Float32Array. */
int pk_arg_f32(napi_env env, napi_value v, const char *msg, pk_view *out);

/* An Int32Array. */
int pk_arg_i32(napi_env env, napi_value v, const char *msg, pk_view *out);

/* An integer number in [lo, hi] (NaN, fractions and out-of-range values throw a RangeError). */
int pk_arg_int(napi_env env, napi_value v, const char *msg, int64_t lo, int64_t hi, int64_t *out);

/* Any number, converted to float. */
int pk_arg_float(napi_env env, napi_value v, const char *msg, float *out);

/* A boolean. */
int pk_arg_bool(napi_env env, napi_value v, const char *msg, int *out);

/* A JS array of at most `max` integers in [lo, hi]; its length goes to *len. */
int pk_arg_int_array(napi_env env, napi_value v, const char *msg, int64_t lo, int64_t hi, int64_t *out,
                     uint32_t max, uint32_t *len);

/*
 * Throws a RangeError unless [offset, offset + extent) lies inside the view. The offset itself must
 * be ≤ the length even when nothing is touched, so no pointer past the view is ever formed.
 */
int pk_check_fits(napi_env env, const char *msg, const pk_view *v, int64_t offset, int64_t extent);

/* Throws a RangeError with `msg` (code ERR_PK_ARG) and returns 0. */
int pk_throw_range(napi_env env, const char *code, const char *msg);

/* Element `off` of a float view (NULL for an empty, possibly detached, view). */
static inline float *pk_f32_at(const pk_view *v, int64_t off) {
  return v->data ? (float *)v->data + off : (float *)0;
}

/* Element `off` of an int32 view. */
static inline int32_t *pk_i32_at(const pk_view *v, int64_t off) {
  return v->data ? (int32_t *)v->data + off : (int32_t *)0;
}

#endif
