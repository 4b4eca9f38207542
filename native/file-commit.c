/*
 * Optional native addon (Node-API, Linux): the last file calls of one object in one thread-pool job. commit(fd,
 * buffers, position, tempPath, finalPath) writes `buffers` at `position` until every byte is written, closes `fd`
 * (always), then renames tempPath to finalPath if nothing failed, and settles a promise. Node's own calls need a
 * round trip through the pool for each (write, then close and rename); each wakes a pool thread and then the
 * event loop, and the archive waits for our answer after every object (BENCHMARKS.md, "The native one-job commit").
 * A failure rejects with an Error whose code, errno, syscall and path say which call failed and why.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref buffers; /* keeps the buffers' memory alive while the job writes it */
  int fd;
  struct iovec *iov;
  uint32_t iovcnt;
  int64_t position;
  char *temp_path;
  char *final_path;
  int err;              /* errno of the first failure, 0 if none */
  const char *syscall;  /* the call that failed */
  const char *err_path; /* the path it concerned */
} commit_job;

static void fail_with(commit_job *job, int err, const char *syscall, const char *path) {
  if (job->err != 0) return;
  job->err = err;
  job->syscall = syscall;
  job->err_path = path;
}

static void execute(napi_env env, void *data) {
  commit_job *job = data;
  struct iovec *iov = job->iov;
  uint32_t left = job->iovcnt;
  (void)env;
  for (;;) {
    /* Empty buffers are passed over here, in one place: a pwritev of nothing but empty ones would return 0. */
    while (left > 0 && iov->iov_len == 0) { iov++; left--; }
    if (left == 0) break;
    ssize_t n = pwritev(job->fd, iov, left > IOV_MAX ? IOV_MAX : (int)left, job->position);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_with(job, errno, "write", job->temp_path);
      break;
    }
    if (n == 0) { /* no progress and no error: never loop for ever */
      fail_with(job, EIO, "write", job->temp_path);
      break;
    }
    job->position += n;
    size_t done = (size_t)n;
    while (left > 0 && done >= iov->iov_len) { done -= iov->iov_len; iov++; left--; }
    if (left > 0) { iov->iov_base = (char *)iov->iov_base + done; iov->iov_len -= done; }
  }
  /* Closed whatever happened: the caller must never close this descriptor again. A close may report a write
   * error (network file systems): it fails the commit. */
  if (close(job->fd) != 0 && errno != EINTR) fail_with(job, errno, "close", job->temp_path);
  if (job->err == 0 && rename(job->temp_path, job->final_path) != 0) fail_with(job, errno, "rename", job->temp_path);
}

static napi_value error_for(napi_env env, const commit_job *job) {
  char message[PATH_MAX + 160];
  napi_value msg, code, error, value;
  const char *name = uv_err_name(-job->err);
  snprintf(message, sizeof message, "%s: %s, %s '%s'", name, strerror(job->err), job->syscall, job->err_path);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_set_named_property(env, error, "code", code);
  napi_create_int32(env, -job->err, &value);
  napi_set_named_property(env, error, "errno", value);
  napi_create_string_utf8(env, job->syscall, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "syscall", value);
  napi_create_string_utf8(env, job->err_path, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "path", value);
  return error;
}

static void free_job(napi_env env, commit_job *job) {
  if (job->buffers) napi_delete_reference(env, job->buffers);
  if (job->work) napi_delete_async_work(env, job->work);
  free(job->iov);
  free(job->temp_path);
  free(job->final_path);
  free(job);
}

static void complete(napi_env env, napi_status status, void *data) {
  commit_job *job = data;
  if (status != napi_ok) fail_with(job, ECANCELED, "commit", job->temp_path);
  if (job->err != 0) {
    napi_reject_deferred(env, job->deferred, error_for(env, job));
  } else {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, job->deferred, undefined);
  }
  free_job(env, job);
}

static char *copy_string(napi_env env, napi_value value) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *s = malloc(length + 1);
  if (!s) return NULL;
  if (napi_get_value_string_utf8(env, value, s, length + 1, &length) != napi_ok) { free(s); return NULL; }
  return s;
}

/* commit(fd, buffers, position, tempPath, finalPath): a promise. Bad arguments throw a TypeError at once, and the
 * descriptor is then left open (nothing was queued). */
static napi_value commit(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], promise, name;
  bool is_array = false;
  uint32_t count = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) {
    napi_throw_type_error(env, NULL, "commit(fd, buffers, position, tempPath, finalPath)");
    return NULL;
  }
  commit_job *job = calloc(1, sizeof *job);
  if (!job) { napi_throw_error(env, NULL, "commit: out of memory"); return NULL; }
  if (napi_get_value_int32(env, argv[0], &job->fd) != napi_ok || job->fd < 0 ||
      napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &count) != napi_ok ||
      napi_get_value_int64(env, argv[2], &job->position) != napi_ok || job->position < 0) {
    free_job(env, job);
    napi_throw_type_error(env, NULL, "commit: fd, buffers or position of the wrong type");
    return NULL;
  }
  job->iov = calloc(count ? count : 1, sizeof(struct iovec));
  job->iovcnt = count;
  job->temp_path = copy_string(env, argv[3]);
  job->final_path = copy_string(env, argv[4]);
  if (!job->iov || !job->temp_path || !job->final_path) {
    free_job(env, job);
    napi_throw_type_error(env, NULL, "commit: the paths must be strings");
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    bool is_buffer = false;
    void *data = NULL;
    size_t length = 0;
    if (napi_get_element(env, argv[1], i, &element) != napi_ok || napi_is_buffer(env, element, &is_buffer) != napi_ok ||
        !is_buffer || napi_get_buffer_info(env, element, &data, &length) != napi_ok) {
      free_job(env, job);
      napi_throw_type_error(env, NULL, "commit: every element of buffers must be a Buffer");
      return NULL;
    }
    job->iov[i].iov_base = data;
    job->iov[i].iov_len = length;
  }
  if (napi_create_reference(env, argv[1], 1, &job->buffers) != napi_ok ||
      napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "dimse-stream:commit", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    /* A promise made but never settled is not returned: the caller gets the exception instead. */
    free_job(env, job);
    napi_throw_error(env, NULL, "commit: could not queue the work");
    return NULL;
  }
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "commit", NAPI_AUTO_LENGTH, commit, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "commit", fn) != napi_ok) return NULL;
  return exports;
}
