using System.Reflection;
using System.Runtime.InteropServices;

namespace Controller.Sim.Native;

/// <summary>
/// P/Invoke surface of sim/native/controller_mujoco.c. Every fallible call returns 0 (ok) or 1 and
/// fills a caller-owned UTF-8 error buffer. Use <see cref="MujocoSim"/>, never these directly.
/// </summary>
internal static unsafe partial class NativeMethods
{
    internal const string Lib = "controller_mujoco";
    internal const int ErrLen = 1024;

    static NativeMethods() => NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    /// <summary>Finds the shim next to the app, then in sim/native/build above the app or working directory.</summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib)
            return IntPtr.Zero;
        foreach (var origin in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var local = Path.Combine(origin, "libcontroller_mujoco.so");
            if (File.Exists(local) && NativeLibrary.TryLoad(local, out var h))
                return h;
            for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
            {
                var built = Path.Combine(dir.FullName, "sim", "native", "build", "libcontroller_mujoco.so");
                if (File.Exists(built) && NativeLibrary.TryLoad(built, out h))
                    return h;
            }
        }
        return IntPtr.Zero;
    }

    [LibraryImport(Lib)] internal static partial int cm_mujoco_version();
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int cm_load_file(string path, out IntPtr sim, byte* err, int errlen);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int cm_load_string(string xml, out IntPtr sim, byte* err, int errlen);
    [LibraryImport(Lib)] internal static partial void cm_free(IntPtr sim);
    [LibraryImport(Lib)] internal static partial void cm_sizes(IntPtr sim, int* sizes);
    [LibraryImport(Lib)] internal static partial double cm_timestep(IntPtr sim);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int cm_name2id(IntPtr sim, int objtype, string name);
    [LibraryImport(Lib)] internal static partial int cm_id2name(IntPtr sim, int objtype, int id, byte* buf, int buflen);
    [LibraryImport(Lib)] internal static partial int cm_joint_info(IntPtr sim, int jid, int* info, double* range);
    [LibraryImport(Lib)] internal static partial int cm_actuator_info(IntPtr sim, int aid, int* info, double* range);
    [LibraryImport(Lib)] internal static partial int cm_reset(IntPtr sim, ulong seed, byte* err, int errlen);
    [LibraryImport(Lib)] internal static partial double cm_time(IntPtr sim);
    [LibraryImport(Lib)] internal static partial int cm_get_state(IntPtr sim, double* qpos, int nq, double* qvel, int nv);
    [LibraryImport(Lib)] internal static partial int cm_set_state(IntPtr sim, double* qpos, int nq, double* qvel, int nv, byte* err, int errlen);
    [LibraryImport(Lib)] internal static partial int cm_set_ctrl(IntPtr sim, double* ctrl, int nu, byte* err, int errlen);
    [LibraryImport(Lib)] internal static partial int cm_step(IntPtr sim, int n, byte* err, int errlen);
    [LibraryImport(Lib)] internal static partial int cm_site_pose(IntPtr sim, int id, double* pos, double* mat);
    [LibraryImport(Lib)] internal static partial int cm_body_pose(IntPtr sim, int id, double* pos, double* quat);
    [LibraryImport(Lib)] internal static partial int cm_set_mocap(IntPtr sim, int bodyid, double* pos, double* quat, byte* err, int errlen);
    [LibraryImport(Lib)] internal static partial int cm_render(IntPtr sim, int camid, int w, int h, byte* rgb, byte* err, int errlen);
    [LibraryImport(Lib)]
    internal static partial int cm_bench_loop(IntPtr sim, int iterations, int steps, double* ctrl, int camid, int w, int h, byte* rgb, double* seconds, byte* err, int errlen);

    /// <summary>Decodes a NUL-terminated UTF-8 error buffer.</summary>
    internal static string Text(byte* buf, int len)
    {
        var n = 0;
        while (n < len && buf[n] != 0)
            n++;
        return System.Text.Encoding.UTF8.GetString(buf, n).Trim();
    }
}
