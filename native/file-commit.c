/*
 * Optional native addon (Node-API, Linux): an object's file calls as few thread-pool jobs as can be.
 * - write(sequence, fd, buffers, position, path) writes `buffers` at `position` until every byte is written (the
 *   bytes written ahead while an object arrives);
 * - commit(fd, buffers, position, tempPath, finalPath[, sequence]) first waits, in the pool, for the sequence's
 *   writes, then writes `buffers` at `position`, closes `fd` (always), and renames tempPath to finalPath if nothing
 *   failed, earlier writes of the sequence included;
 * - sequence() makes the token that ties one file's writes to its commit.
 * Each settles a promise. Node's own calls need a round trip through the pool for each (write, then close and
 * rename), and the commit would have to wait on the event loop for the write in flight before it could be queued;
 * each round trip wakes a pool thread and then the event loop, and the archive waits for our answer after every
 * object (BENCHMARKS.md, "The native one-job commit" and "Write-ahead with the one-job commit").
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

/*
 * One file's writes in flight, shared by its write jobs and its commit. `pending` counts the writes queued and not
 * finished; the first failure is kept for the commit. Guarded by one lock for all files (jobs are few and short).
 * `refs` (the JS token and each job holding it) is only touched on the JS thread.
 */
typedef struct {
  uint32_t pending;
  int err;
  char *err_path;
  uint32_t refs;
} file_sequence;

static uv_mutex_t sequence_lock;
static uv_cond_t sequence_done;
static uv_once_t sequence_once = UV_ONCE_INIT;

static void sequence_init(void) {
  if (uv_mutex_init(&sequence_lock) != 0 || uv_cond_init(&sequence_done) != 0) abort();
}

static void sequence_release(file_sequence *seq) {
  if (--seq->refs > 0) return;
  free(seq->err_path);
  free(seq);
}

/* A write of `seq` is done (or will never run): a commit waiting for it may go on. */
static void uncount(file_sequence *seq) {
  uv_mutex_lock(&sequence_lock);
  seq->pending--;
  uv_cond_broadcast(&sequence_done);
  uv_mutex_unlock(&sequence_lock);
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref buffers; /* keeps the buffers' memory alive while the job writes it */
  int fd;
  struct iovec *iov;
  uint32_t iovcnt;
  int64_t position;
  char *temp_path;
  char *final_path;     /* NULL for a write job: no close, no rename */
  file_sequence *seq;   /* a write job's sequence, or the one a commit waits for; may be NULL for a commit */
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

/* A write job's failure becomes its sequence's, if it is the first: the sequence then owns the path it names. */
static void sequence_fail(commit_job *job, int err) {
  uv_mutex_lock(&sequence_lock);
  if (job->seq->err == 0) {
    job->seq->err = err;
    job->seq->err_path = job->temp_path;
    job->temp_path = NULL;
  }
  uv_mutex_unlock(&sequence_lock);
}

/* Writes the job's buffers at its position until every byte is written; records the first failure. */
static void write_all(commit_job *job) {
  struct iovec *iov = job->iov;
  uint32_t left = job->iovcnt;
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
}

static void execute(napi_env env, void *data) {
  commit_job *job = data;
  (void)env;
  if (!job->final_path) { /* a write job: counted in its sequence until done */
    write_all(job);
    if (job->err != 0) sequence_fail(job, job->err);
    uncount(job->seq);
    return;
  }
  if (job->seq) {
    /* The pool takes jobs in the order they were queued, and the writes were queued before this commit: each is
     * running on another thread or done, so this wait ends. With one pool thread it never waits. */
    uv_mutex_lock(&sequence_lock);
    while (job->seq->pending > 0) uv_cond_wait(&sequence_done, &sequence_lock);
    if (job->seq->err != 0) fail_with(job, job->seq->err, "write", job->seq->err_path);
    uv_mutex_unlock(&sequence_lock);
  }
  if (job->err == 0) write_all(job);
  /* Closed whatever happened: the caller must never close this descriptor again. A close may report a write
   * error (network file systems): it fails the commit. */
  if (close(job->fd) != 0 && errno != EINTR) fail_with(job, errno, "close", job->temp_path);
  if (job->err == 0 && rename(job->temp_path, job->final_path) != 0) fail_with(job, errno, "rename", job->temp_path);
}

static napi_value error_for(napi_env env, const commit_job *job) {
  char message[PATH_MAX + 160];
  napi_value msg, code, error, value;
  const char *name = uv_err_name(-job->err);
  const char *path = job->err_path ? job->err_path : "";
  snprintf(message, sizeof message, "%s: %s, %s '%s'", name, strerror(job->err), job->syscall, path);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_set_named_property(env, error, "code", code);
  napi_create_int32(env, -job->err, &value);
  napi_set_named_property(env, error, "errno", value);
  napi_create_string_utf8(env, job->syscall, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "syscall", value);
  napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "path", value);
  return error;
}

static void free_job(napi_env env, commit_job *job) {
  if (job->buffers) napi_delete_reference(env, job->buffers);
  if (job->work) napi_delete_async_work(env, job->work);
  if (job->seq) sequence_release(job->seq);
  free(job->iov);
  free(job->temp_path);
  free(job->final_path);
  free(job);
}

static void complete(napi_env env, napi_status status, void *data) {
  commit_job *job = data;
  if (status != napi_ok) {
    /* Never ran: a write never counted itself out, and nothing may be renamed after it. */
    if (!job->final_path) {
      sequence_fail(job, ECANCELED);
      uncount(job->seq);
      fail_with(job, ECANCELED, "write", job->seq->err_path);
    } else {
      fail_with(job, ECANCELED, "commit", job->temp_path);
    }
  }
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

static void sequence_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  sequence_release(data);
}

/* sequence(): the token that ties one file's write() jobs to its commit(). */
static napi_value sequence(napi_env env, napi_callback_info info) {
  napi_value token;
  (void)info;
  file_sequence *seq = calloc(1, sizeof *seq);
  if (!seq) { napi_throw_error(env, NULL, "sequence: out of memory"); return NULL; }
  seq->refs = 1;
  if (napi_create_external(env, seq, sequence_finalize, NULL, &token) != napi_ok) {
    free(seq);
    napi_throw_error(env, NULL, "sequence: could not make the token");
    return NULL;
  }
  return token;
}

/* A token made by sequence(), or NULL (and a TypeError thrown) for anything else. */
static file_sequence *sequence_of(napi_env env, napi_value value, const char *what) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok || !data) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  return data;
}

/* A job for `fd`, `buffers` (an array of Buffers, kept alive until it is done) and `position`, naming `path` in its
 * errors, and renaming it to `final_path` (a commit) or not (NULL: a write); NULL, with a TypeError thrown, for
 * arguments of the wrong type. */
static commit_job *job_for(napi_env env, napi_value fd, napi_value buffers, napi_value position, napi_value path,
                           napi_value final_path, const char *what) {
  bool is_array = false;
  uint32_t count = 0;
  commit_job *job = calloc(1, sizeof *job);
  if (!job) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  if (napi_get_value_int32(env, fd, &job->fd) != napi_ok || job->fd < 0 ||
      napi_is_array(env, buffers, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, buffers, &count) != napi_ok ||
      napi_get_value_int64(env, position, &job->position) != napi_ok || job->position < 0)
    goto wrong;
  job->iov = calloc(count ? count : 1, sizeof(struct iovec));
  job->iovcnt = count;
  job->temp_path = copy_string(env, path);
  if (final_path) job->final_path = copy_string(env, final_path);
  if (!job->iov || !job->temp_path || (final_path && !job->final_path)) goto wrong;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    bool is_buffer = false;
    void *data = NULL;
    size_t length = 0;
    if (napi_get_element(env, buffers, i, &element) != napi_ok || napi_is_buffer(env, element, &is_buffer) != napi_ok ||
        !is_buffer || napi_get_buffer_info(env, element, &data, &length) != napi_ok)
      goto wrong;
    job->iov[i].iov_base = data;
    job->iov[i].iov_len = length;
  }
  if (napi_create_reference(env, buffers, 1, &job->buffers) != napi_ok) {
    free_job(env, job);
    napi_throw_error(env, NULL, "could not keep the buffers");
    return NULL;
  }
  return job;
wrong:
  free_job(env, job);
  napi_throw_type_error(env, NULL, what);
  return NULL;
}

/* Queues `job` and returns its promise; NULL, with an exception thrown and the job freed, if it could not. */
static napi_value queue_job(napi_env env, commit_job *job, const char *name) {
  napi_value promise, resource;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource) != napi_ok ||
      napi_create_async_work(env, NULL, resource, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    /* A promise made but never settled is not returned: the caller gets the exception instead. */
    free_job(env, job);
    napi_throw_error(env, NULL, "could not queue the work");
    return NULL;
  }
  return promise;
}

/* write(sequence, fd, buffers, position, path): a promise. Bad arguments throw a TypeError at once, with nothing
 * queued. */
static napi_value write_ahead(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  const char *what = "write(sequence, fd, buffers, position, path): arguments of the wrong type";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  file_sequence *seq = sequence_of(env, argv[0], what);
  if (!seq) return NULL;
  commit_job *job = job_for(env, argv[1], argv[2], argv[3], argv[4], NULL, what);
  if (!job) return NULL;
  job->seq = seq;
  seq->refs++;
  /* Counted before it is queued (on this thread, so before any commit that follows is queued): the job, which may
   * run at once, uncounts it when done. */
  uv_mutex_lock(&sequence_lock);
  seq->pending++;
  uv_mutex_unlock(&sequence_lock);
  napi_value promise = queue_job(env, job, "dimse-stream:write");
  if (!promise) uncount(seq);
  return promise;
}

/* commit(fd, buffers, position, tempPath, finalPath[, sequence]): a promise. Bad arguments throw a TypeError at
 * once, and the descriptor is then left open (nothing was queued). */
static napi_value commit(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  const char *what = "commit(fd, buffers, position, tempPath, finalPath[, sequence]): arguments of the wrong type";
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 || argc > 6) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  file_sequence *seq = NULL;
  if (argc == 6 && !(seq = sequence_of(env, argv[5], what))) return NULL;
  commit_job *job = job_for(env, argv[0], argv[1], argv[2], argv[3], argv[4], what);
  if (!job) return NULL;
  if (seq) {
    job->seq = seq;
    seq->refs++;
  }
  return queue_job(env, job, "dimse-stream:commit");
}

NAPI_MODULE_INIT() {
  static const struct { const char *name; napi_callback fn; } functions[] = {
    { "commit", commit }, { "write", write_ahead }, { "sequence", sequence },
  };
  uv_once(&sequence_once, sequence_init);
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
