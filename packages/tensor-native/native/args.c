/* Argument checks of the N-API entry points (see args.h). */
#include "args.h"

#include <math.h>

int pk_throw_range(napi_env env, const char *code, const char *msg) {
  napi_throw_range_error(env, code, msg);
  return 0;
}

int pk_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *msg) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, "ERR_PK_NAPI", "N-API call failed");
    return 0;
  }
  if (argc != want) {
    napi_throw_type_error(env, "ERR_PK_ARGC", msg);
    return 0;
  }
  return 1;
}

static int arg_typed(napi_env env, napi_value v, const char *msg, napi_typedarray_type want, pk_view *out) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t len = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &len, &data, NULL, NULL) != napi_ok || type != want ||
      len > (size_t)PK_MAX_OFFSET) {
    napi_throw_type_error(env, "ERR_PK_ARG", msg);
    return 0;
  }
  out->data = len > 0 ? data : NULL;
  out->len = (int64_t)len;
  return 1;
}

int pk_arg_f32(napi_env env, napi_value v, const char *msg, pk_view *out) {
  return arg_typed(env, v, msg, napi_float32_array, out);
}

int pk_arg_i32(napi_env env, napi_value v, const char *msg, pk_view *out) {
  return arg_typed(env, v, msg, napi_int32_array, out);
}

int pk_arg_int(napi_env env, napi_value v, const char *msg, int64_t lo, int64_t hi, int64_t *out) {
  double d = 0;
  napi_valuetype t;
  /* The range test comes before the conversion: casting NaN or ±2^63 to int64 is undefined. */
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok ||
      !(d >= (double)lo && d <= (double)hi) || d != trunc(d))
    return pk_throw_range(env, "ERR_PK_ARG", msg);
  *out = (int64_t)d;
  return 1;
}

int pk_arg_float(napi_env env, napi_value v, const char *msg, float *out) {
  double d = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
    napi_throw_type_error(env, "ERR_PK_ARG", msg);
    return 0;
  }
  *out = (float)d;
  return 1;
}

int pk_arg_bool(napi_env env, napi_value v, const char *msg, int *out) {
  bool b = false;
  if (napi_get_value_bool(env, v, &b) != napi_ok) {
    napi_throw_type_error(env, "ERR_PK_ARG", msg);
    return 0;
  }
  *out = b ? 1 : 0;
  return 1;
}

int pk_arg_int_array(napi_env env, napi_value v, const char *msg, int64_t lo, int64_t hi, int64_t *out,
                     uint32_t max, uint32_t *len) {
  bool is_array = false;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, len) != napi_ok ||
      *len > max) {
    napi_throw_type_error(env, "ERR_PK_ARG", msg);
    return 0;
  }
  for (uint32_t i = 0; i < *len; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (!pending) napi_throw_range_error(env, "ERR_PK_ARG", msg);
      return 0;
    }
    if (!pk_arg_int(env, e, msg, lo, hi, &out[i])) return 0;
  }
  return 1;
}

int pk_check_fits(napi_env env, const char *msg, const pk_view *v, int64_t offset, int64_t extent) {
  int64_t end = 0;
  if (offset < 0 || extent < 0 || offset > v->len || !pk_add(offset, extent, &end) || end > v->len)
    return pk_throw_range(env, "ERR_PK_BOUNDS", msg);
  return 1;
}
