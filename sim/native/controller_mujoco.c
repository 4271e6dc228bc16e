// controller_mujoco: a thin C shim over libmujoco 2.2.x and OSMesa, called by P/Invoke from
// sim/Controller.Sim (MujocoSim.cs). It exists because mjModel/mjData field offsets are
// version-specific; C# only ever sees opaque handles, ids, and flat double/byte buffers.
//
// Contract of every entry point that can fail: it returns CM_OK (0) or CM_ERROR (1) and writes a
// NUL-terminated message into the caller's err buffer. MuJoCo's own fatal errors (mju_error) are
// turned into CM_ERROR through a thread-local setjmp/longjmp instead of exiting the process.
//
// Threading rule: one instance must not be used by two threads at once (the C# wrapper holds a
// lock). Different instances may step physics on different threads in parallel. Each instance owns
// its own OSMesa context, created lazily by the first render, and every render call makes that
// context current on the calling thread, so renders may come from any thread. Renders (and context
// teardown) are serialised process-wide by gl_lock: see cm_render.

#define _POSIX_C_SOURCE 200809L  // setenv, clock_gettime

#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <GL/osmesa.h>
#include <mujoco.h>

#define CM_API __attribute__((visibility("default")))
#define CM_OK 0
#define CM_ERROR 1
#define CM_MAX_GEOM 2000

typedef struct cm_sim {
  mjModel* m;
  mjData* d;
  uint64_t seed;
  // rendering, created on first render
  int render_ready;
  OSMesaContext gl;
  unsigned char* glbuf;  // RGBA backing store of the OSMesa default framebuffer
  int glw, glh;
  mjvScene scn;
  mjvCamera cam;
  mjvOption opt;
  mjrContext con;
  unsigned char* rgb_flip;  // scratch row for the vertical flip
} cm_sim;

// ---------------------------------------------------------------- errors

static _Thread_local jmp_buf* tl_jump;  // set while a shim call is inside MuJoCo
static _Thread_local char tl_mj_error[512];
static _Thread_local char tl_mj_warning[512];
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t gl_lock = PTHREAD_MUTEX_INITIALIZER;    // see cm_render
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;  // see load_xml

static void on_mj_error(const char* msg) {
  snprintf(tl_mj_error, sizeof tl_mj_error, "%s", msg);
  if (tl_jump) longjmp(*tl_jump, 1);
  // No shim frame to return to: MuJoCo would exit; we abort loudly instead of silently.
  fprintf(stderr, "controller_mujoco: MuJoCo error outside a shim call: %s\n", msg);
  abort();
}

static void on_mj_warning(const char* msg) {
  snprintf(tl_mj_warning, sizeof tl_mj_warning, "%s", msg);
}

static void install_handlers(void) {
  // llvmpipe's worker threads cost more than they give at 64x64 on a small machine: rasterise on
  // the calling thread unless the user chose otherwise. Must happen before the first OSMesa context.
  setenv("LP_NUM_THREADS", "0", 0);
  mju_user_error = on_mj_error;
  mju_user_warning = on_mj_warning;
}

static int fail(char* err, int errlen, const char* fmt, const char* detail) {
  if (err && errlen > 0) snprintf(err, (size_t)errlen, fmt, detail ? detail : "");
  return CM_ERROR;
}

// Runs BODY with MuJoCo errors redirected to a CM_ERROR return carrying MuJoCo's text.
#define GUARDED(err, errlen, BODY)                                      \
  do {                                                                  \
    pthread_once(&handlers_once, install_handlers);                     \
    jmp_buf jb;                                                         \
    jmp_buf* saved = tl_jump;                                           \
    if (setjmp(jb)) {                                                   \
      tl_jump = saved;                                                  \
      return fail(err, errlen, "MuJoCo error: %s", tl_mj_error);        \
    }                                                                   \
    tl_jump = &jb;                                                      \
    BODY;                                                               \
    tl_jump = saved;                                                    \
  } while (0)

// ---------------------------------------------------------------- lifecycle

CM_API int cm_mujoco_version(void) { return mj_version(); }

static int finish_load(mjModel* m, cm_sim** out, char* err, int errlen) {
  cm_sim* s = (cm_sim*)calloc(1, sizeof(cm_sim));
  if (!s) {
    mj_deleteModel(m);
    return fail(err, errlen, "out of memory%s", NULL);
  }
  s->m = m;
  // Not GUARDED: on a MuJoCo error we must free the model and the instance before returning.
  pthread_once(&handlers_once, install_handlers);
  jmp_buf jb;
  jmp_buf* saved = tl_jump;
  if (setjmp(jb)) {
    tl_jump = saved;
    mj_deleteModel(m);
    free(s);
    return fail(err, errlen, "MuJoCo error: %s", tl_mj_error);
  }
  tl_jump = &jb;
  s->d = mj_makeData(m);
  if (s->d) mj_forward(m, s->d);
  tl_jump = saved;
  if (!s->d) {
    mj_deleteModel(m);
    free(s);
    return fail(err, errlen, "mj_makeData failed%s", NULL);
  }
  *out = s;
  return CM_OK;
}

// mj_loadXML keeps the last parsed XML in a process-global (mj_freeLastXML runs at every load), so
// concurrent loads from two threads corrupt it: loads are serialised. On a MuJoCo error, *model stays
// NULL and the message is in tl_mj_error; on a parse error, in load_err.
static int load_xml(const char* path, const mjVFS* vfs, char* load_err, int load_errlen, mjModel** model) {
  pthread_once(&handlers_once, install_handlers);
  *model = NULL;
  pthread_mutex_lock(&load_lock);
  jmp_buf jb;
  jmp_buf* saved = tl_jump;
  if (setjmp(jb)) {
    tl_jump = saved;
    pthread_mutex_unlock(&load_lock);
    return CM_ERROR;
  }
  tl_jump = &jb;
  *model = mj_loadXML(path, vfs, load_err, load_errlen);
  tl_jump = saved;
  pthread_mutex_unlock(&load_lock);
  return CM_OK;
}

CM_API int cm_load_file(const char* path, cm_sim** out, char* err, int errlen) {
  char load_err[1000] = {0};
  mjModel* m = NULL;
  *out = NULL;
  if (!path) return fail(err, errlen, "path is null%s", NULL);
  if (load_xml(path, NULL, load_err, sizeof load_err, &m) != CM_OK)
    return fail(err, errlen, "MuJoCo error: %s", tl_mj_error);
  if (!m) return fail(err, errlen, "cannot load MJCF: %s", load_err);
  return finish_load(m, out, err, errlen);
}

CM_API int cm_load_string(const char* xml, cm_sim** out, char* err, int errlen) {
  char load_err[1000] = {0};
  mjModel* m = NULL;
  *out = NULL;
  if (!xml) return fail(err, errlen, "xml is null%s", NULL);
  // MuJoCo 2.2 loads strings through a virtual file system holding one in-memory file.
  mjVFS* vfs = (mjVFS*)malloc(sizeof(mjVFS));
  if (!vfs) return fail(err, errlen, "out of memory%s", NULL);
  mj_defaultVFS(vfs);
  int len = (int)strlen(xml);
  if (mj_makeEmptyFileVFS(vfs, "model.xml", len) != 0) {
    free(vfs);
    return fail(err, errlen, "cannot create an in-memory MJCF file%s", NULL);
  }
  int idx = mj_findFileVFS(vfs, "model.xml");
  memcpy(vfs->filedata[idx], xml, (size_t)len);
  int rc = load_xml("model.xml", vfs, load_err, sizeof load_err, &m);
  mj_deleteVFS(vfs);
  free(vfs);
  if (rc != CM_OK) return fail(err, errlen, "MuJoCo error: %s", tl_mj_error);
  if (!m) return fail(err, errlen, "cannot load MJCF: %s", load_err);
  return finish_load(m, out, err, errlen);
}

CM_API void cm_free(cm_sim* s) {
  if (!s) return;
  if (s->render_ready) {
    // The mjr context's GL objects belong to this instance's OSMesa context.
    pthread_mutex_lock(&gl_lock);
    OSMesaMakeCurrent(s->gl, s->glbuf, GL_UNSIGNED_BYTE, s->glw, s->glh);
    mjr_freeContext(&s->con);
    mjv_freeScene(&s->scn);
    OSMesaMakeCurrent(NULL, NULL, 0, 0, 0);
    OSMesaDestroyContext(s->gl);
    pthread_mutex_unlock(&gl_lock);
    free(s->glbuf);
    free(s->rgb_flip);
  }
  mj_deleteData(s->d);
  mj_deleteModel(s->m);
  free(s);
}

// ---------------------------------------------------------------- model info

// out[0..7] = nq, nv, nu, nbody, njnt, ncam, nsite, ngeom
CM_API void cm_sizes(const cm_sim* s, int* out) {
  const mjModel* m = s->m;
  out[0] = m->nq; out[1] = m->nv; out[2] = m->nu; out[3] = m->nbody;
  out[4] = m->njnt; out[5] = m->ncam; out[6] = m->nsite; out[7] = m->ngeom;
}

CM_API double cm_timestep(const cm_sim* s) { return s->m->opt.timestep; }

// objtype is mjtObj (mjOBJ_BODY=1, mjOBJ_JOINT=3, mjOBJ_GEOM=5, mjOBJ_SITE=6, mjOBJ_CAMERA=7, mjOBJ_ACTUATOR=18). -1 when absent.
CM_API int cm_name2id(const cm_sim* s, int objtype, const char* name) {
  return name ? mj_name2id(s->m, objtype, name) : -1;
}

// Writes the name of object id into buf ("" when unnamed).
CM_API int cm_id2name(const cm_sim* s, int objtype, int id, char* buf, int buflen) {
  const char* n = mj_id2name(s->m, objtype, id);
  snprintf(buf, (size_t)buflen, "%s", n ? n : "");
  return n ? CM_OK : CM_ERROR;
}

// info[0..3] = type (mjtJoint), qposadr, dofadr, limited; range[0..1].
CM_API int cm_joint_info(const cm_sim* s, int jid, int* info, double* range) {
  if (jid < 0 || jid >= s->m->njnt) return CM_ERROR;
  info[0] = s->m->jnt_type[jid];
  info[1] = s->m->jnt_qposadr[jid];
  info[2] = s->m->jnt_dofadr[jid];
  info[3] = s->m->jnt_limited[jid];
  range[0] = s->m->jnt_range[2 * jid];
  range[1] = s->m->jnt_range[2 * jid + 1];
  return CM_OK;
}

// info[0..1] = transmission joint id (-1 if not a joint transmission), ctrllimited; range[0..1].
CM_API int cm_actuator_info(const cm_sim* s, int aid, int* info, double* range) {
  if (aid < 0 || aid >= s->m->nu) return CM_ERROR;
  info[0] = s->m->actuator_trntype[aid] == mjTRN_JOINT ? s->m->actuator_trnid[2 * aid] : -1;
  info[1] = s->m->actuator_ctrllimited[aid];
  range[0] = s->m->actuator_ctrlrange[2 * aid];
  range[1] = s->m->actuator_ctrlrange[2 * aid + 1];
  return CM_OK;
}

// ---------------------------------------------------------------- state

// Resets to the model's initial state. Physics is deterministic; the seed is stored so callers
// (tasks) can derive their randomisation from it and read it back.
CM_API int cm_reset(cm_sim* s, uint64_t seed, char* err, int errlen) {
  s->seed = seed;
  GUARDED(err, errlen, {
    mj_resetData(s->m, s->d);
    mj_forward(s->m, s->d);
  });
  return CM_OK;
}

CM_API uint64_t cm_seed(const cm_sim* s) { return s->seed; }

CM_API double cm_time(const cm_sim* s) { return s->d->time; }

CM_API int cm_get_state(const cm_sim* s, double* qpos, int nq, double* qvel, int nv) {
  if (nq != s->m->nq || nv != s->m->nv) return CM_ERROR;
  memcpy(qpos, s->d->qpos, sizeof(double) * (size_t)nq);
  memcpy(qvel, s->d->qvel, sizeof(double) * (size_t)nv);
  return CM_OK;
}

// Sets qpos/qvel (full vectors) and recomputes derived quantities (mj_forward).
CM_API int cm_set_state(cm_sim* s, const double* qpos, int nq, const double* qvel, int nv, char* err, int errlen) {
  if (nq != s->m->nq || nv != s->m->nv) return fail(err, errlen, "state size mismatch%s", NULL);
  for (int i = 0; i < nq; i++)
    if (!isfinite(qpos[i])) return fail(err, errlen, "qpos contains a non-finite value%s", NULL);
  for (int i = 0; i < nv; i++)
    if (!isfinite(qvel[i])) return fail(err, errlen, "qvel contains a non-finite value%s", NULL);
  memcpy(s->d->qpos, qpos, sizeof(double) * (size_t)nq);
  memcpy(s->d->qvel, qvel, sizeof(double) * (size_t)nv);
  GUARDED(err, errlen, { mj_forward(s->m, s->d); });
  return CM_OK;
}

CM_API int cm_set_ctrl(cm_sim* s, const double* ctrl, int nu, char* err, int errlen) {
  if (nu != s->m->nu) return fail(err, errlen, "control size mismatch%s", NULL);
  for (int i = 0; i < nu; i++)
    if (!isfinite(ctrl[i])) return fail(err, errlen, "control contains a non-finite value%s", NULL);
  memcpy(s->d->ctrl, ctrl, sizeof(double) * (size_t)nu);
  return CM_OK;
}

static int check_warnings(cm_sim* s, char* err, int errlen) {
  // MuJoCo resets the state itself on these; we surface them so a divergence is never silent.
  static const int fatal[] = {mjWARN_BADQPOS, mjWARN_BADQVEL, mjWARN_BADQACC, mjWARN_BADCTRL};
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
    if (s->d->warning[fatal[i]].number > 0) {
      s->d->warning[fatal[i]].number = 0;
      return fail(err, errlen, "simulation became unstable: %s", tl_mj_warning);
    }
  }
  return CM_OK;
}

CM_API int cm_step(cm_sim* s, int n, char* err, int errlen) {
  if (n < 0) return fail(err, errlen, "step count must be >= 0%s", NULL);
  GUARDED(err, errlen, {
    for (int i = 0; i < n; i++) mj_step(s->m, s->d);
  });
  return check_warnings(s, err, errlen);
}

CM_API int cm_site_pose(const cm_sim* s, int id, double* pos, double* mat) {
  if (id < 0 || id >= s->m->nsite) return CM_ERROR;
  memcpy(pos, s->d->site_xpos + 3 * id, sizeof(double) * 3);
  if (mat) memcpy(mat, s->d->site_xmat + 9 * id, sizeof(double) * 9);
  return CM_OK;
}

CM_API int cm_body_pose(const cm_sim* s, int id, double* pos, double* quat) {
  if (id < 0 || id >= s->m->nbody) return CM_ERROR;
  memcpy(pos, s->d->xpos + 3 * id, sizeof(double) * 3);
  if (quat) memcpy(quat, s->d->xquat + 4 * id, sizeof(double) * 4);
  return CM_OK;
}

// ---------------------------------------------------------------- rendering

static int ensure_render(cm_sim* s, char* err, int errlen) {
  if (s->render_ready) return CM_OK;
  pthread_once(&handlers_once, install_handlers);
  s->glw = s->m->vis.global.offwidth;
  s->glh = s->m->vis.global.offheight;
  s->gl = OSMesaCreateContextExt(OSMESA_RGBA, 24, 8, 8, NULL);
  if (!s->gl) return fail(err, errlen, "OSMesaCreateContextExt failed%s", NULL);
  s->glbuf = (unsigned char*)malloc((size_t)s->glw * (size_t)s->glh * 4);
  s->rgb_flip = (unsigned char*)malloc((size_t)s->glw * 3);
  if (!s->glbuf || !s->rgb_flip || !OSMesaMakeCurrent(s->gl, s->glbuf, GL_UNSIGNED_BYTE, s->glw, s->glh)) {
    OSMesaDestroyContext(s->gl);
    free(s->glbuf);
    free(s->rgb_flip);
    return fail(err, errlen, "OSMesaMakeCurrent failed%s", NULL);
  }
  GUARDED(err, errlen, {
    mjv_defaultScene(&s->scn);
    mjv_makeScene(s->m, &s->scn, CM_MAX_GEOM);
    mjv_defaultOption(&s->opt);
    mjv_defaultCamera(&s->cam);
    mjr_defaultContext(&s->con);
    mjr_makeContext(s->m, &s->con, mjFONTSCALE_50);
    mjr_setBuffer(mjFB_OFFSCREEN, &s->con);
  });
  // Cheap, stable images for learning: no shadows, reflections or skybox (each is an extra pass).
  s->scn.flags[mjRND_SHADOW] = 0;
  s->scn.flags[mjRND_REFLECTION] = 0;
  s->scn.flags[mjRND_SKYBOX] = 0;
  s->render_ready = 1;
  return CM_OK;
}

// Renders fixed camera camid at w x h into rgb (w*h*3 bytes, row-major, top row first).
// Caller holds gl_lock.
static int render_locked(cm_sim* s, int camid, int w, int h, unsigned char* rgb, char* err, int errlen) {
  if (camid < 0 || camid >= s->m->ncam) return fail(err, errlen, "no camera with that id%s", NULL);
  if (w <= 0 || h <= 0 || w > s->m->vis.global.offwidth || h > s->m->vis.global.offheight) {
    char size[96];
    snprintf(size, sizeof size, "%dx%d (offscreen buffer is %dx%d)", w, h, s->m->vis.global.offwidth,
             s->m->vis.global.offheight);
    return fail(err, errlen, "render size out of range: %s", size);
  }
  if (ensure_render(s, err, errlen) != CM_OK) return CM_ERROR;
  if (!OSMesaMakeCurrent(s->gl, s->glbuf, GL_UNSIGNED_BYTE, s->glw, s->glh))
    return fail(err, errlen, "OSMesaMakeCurrent failed%s", NULL);
  mjrRect vp = {0, 0, w, h};
  s->cam.type = mjCAMERA_FIXED;
  s->cam.fixedcamid = camid;
  GUARDED(err, errlen, {
    mjr_setBuffer(mjFB_OFFSCREEN, &s->con);
    mjv_updateScene(s->m, s->d, &s->opt, NULL, &s->cam, mjCAT_ALL, &s->scn);
    mjr_render(vp, &s->scn, &s->con);
    mjr_readPixels(rgb, NULL, vp, &s->con);
  });
  // OpenGL rows start at the bottom; callers want the top row first.
  size_t row = (size_t)w * 3;
  for (int y = 0; y < h / 2; y++) {
    unsigned char* a = rgb + (size_t)y * row;
    unsigned char* b = rgb + (size_t)(h - 1 - y) * row;
    memcpy(s->rgb_flip, a, row);
    memcpy(a, b, row);
    memcpy(b, s->rgb_flip, row);
  }
  return CM_OK;
}

// MuJoCo 2.2's GL layer keeps process-global state (its loaded GL function table), and Mesa makes no
// promise for us about many contexts rendering at once, so all GL work is serialised process-wide.
// On a 2-core machine this costs nothing measurable; physics on different instances still runs in parallel.
// Every render also unbinds the context from the calling thread before returning. A context left
// current on a thread that later renders another instance, after the first instance was freed on a
// third thread, made the next OSMesaMakeCurrent touch a destroyed context and crash (seen in the
// parallel tests). Unbinding keeps "current" confined to the locked region.
CM_API int cm_render(cm_sim* s, int camid, int w, int h, unsigned char* rgb, char* err, int errlen) {
  pthread_mutex_lock(&gl_lock);
  int rc = render_locked(s, camid, w, h, rgb, err, errlen);
  OSMesaMakeCurrent(NULL, NULL, 0, 0, 0);
  pthread_mutex_unlock(&gl_lock);
  return rc;
}

// ---------------------------------------------------------------- benchmark

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// The same work the C# episode loop does, without crossing P/Invoke: per iteration set ctrl,
// step `steps` times, and render camid at w x h when camid >= 0. Writes wall seconds.
CM_API int cm_bench_loop(cm_sim* s, int iterations, int steps, const double* ctrl, int camid, int w, int h,
                         unsigned char* rgb, double* seconds, char* err, int errlen) {
  double t0 = now_s();
  for (int i = 0; i < iterations; i++) {
    if (cm_set_ctrl(s, ctrl, s->m->nu, err, errlen) != CM_OK) return CM_ERROR;
    if (cm_step(s, steps, err, errlen) != CM_OK) return CM_ERROR;
    if (camid >= 0 && cm_render(s, camid, w, h, rgb, err, errlen) != CM_OK) return CM_ERROR;
  }
  *seconds = now_s() - t0;
  return CM_OK;
}

// ---------------------------------------------------------------- mocap

// Places mocap body bodyid (a task marker) at pos; quat may be NULL. Recomputes kinematics.
CM_API int cm_set_mocap(cm_sim* s, int bodyid, const double* pos, const double* quat, char* err, int errlen) {
  if (bodyid < 0 || bodyid >= s->m->nbody) return fail(err, errlen, "no body with that id%s", NULL);
  int mid = s->m->body_mocapid[bodyid];
  if (mid < 0) return fail(err, errlen, "body is not a mocap body%s", NULL);
  for (int i = 0; i < 3; i++)
    if (!isfinite(pos[i])) return fail(err, errlen, "mocap position is not finite%s", NULL);
  memcpy(s->d->mocap_pos + 3 * mid, pos, sizeof(double) * 3);
  if (quat) memcpy(s->d->mocap_quat + 4 * mid, quat, sizeof(double) * 4);
  GUARDED(err, errlen, { mj_forward(s->m, s->d); });
  return CM_OK;
}
