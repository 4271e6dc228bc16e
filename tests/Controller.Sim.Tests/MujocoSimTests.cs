namespace Controller.Sim.Tests;

public class MujocoSimTests
{
    [Fact]
    public void LoadXml_InvalidMjcf_ThrowsWithMujocoText()
    {
        var e = Assert.Throws<SimException>(() => MujocoSim.LoadXml("<mujoco><worldbody><geom type='sphere' size='-1'/></worldbody></mujoco>"));
        Assert.Contains("MJCF", e.Message, StringComparison.Ordinal);
        Assert.Contains("size", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void LoadXml_NotXml_ThrowsWithParserText()
    {
        var e = Assert.Throws<SimException>(() => MujocoSim.LoadXml("this is not xml"));
        Assert.Contains("cannot load MJCF", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadXml_ValidString_LoadsAndSteps()
    {
        using var sim = MujocoSim.LoadXml(
            "<mujoco><worldbody><body name='ball' pos='0 0 1'><freejoint/><geom type='sphere' size='0.1'/></body></worldbody></mujoco>");
        sim.Reset(0);
        sim.Step(100);
        Assert.True(sim.BodyPosition("ball").Z < 1, "the ball falls under gravity");
        Assert.Equal(0.2, sim.Time, 9);
    }

    [Fact]
    public void LoadFile_MissingFile_Throws()
        => Assert.Throws<SimException>(() => MujocoSim.LoadFile("/nonexistent/model.xml"));

    [Fact]
    public void Id_UnknownCamera_ThrowsListingKnownCameras()
    {
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        var e = Assert.Throws<SimException>(() => sim.Render("ceiling", 64, 64));
        Assert.Contains("overhead", e.Message, StringComparison.Ordinal);
        Assert.Contains("side", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Joint_UnknownName_ThrowsListingKnownJoints()
    {
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        var e = Assert.Throws<SimException>(() => sim.Joint("knee"));
        Assert.Contains("shoulder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetControls_NaN_IsRejectedAndCounted()
    {
        using var counter = new SimFixtures.RejectCounter("sim");
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        var ctrl = new double[sim.Nu];
        ctrl[1] = double.NaN;
        Assert.Throws<SimException>(() => sim.SetControls(ctrl));
        Assert.True(counter.Count >= 1);
    }

    [Fact]
    public void SetControls_OutOfRange_IsRejected()
    {
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        var ctrl = new double[sim.Nu];
        ctrl[0] = 10;
        var e = Assert.Throws<SimException>(() => sim.SetControls(ctrl));
        Assert.Contains("base_yaw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BlockMoves_RedCentroidMovesTheSameWay()
    {
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        sim.Reset(0);
        sim.PlaceFree("block_red", new Vec3(0.25, 0.1, 0.02), 0);
        var a = RedCentroid(sim.Render("overhead", 64, 64));
        sim.PlaceFree("block_red", new Vec3(0.25, -0.1, 0.02), 0);
        var b = RedCentroid(sim.Render("overhead", 64, 64));
        Assert.NotNull(a);
        Assert.NotNull(b);
        // Overhead image: right = world -y, up = world +x. Moving the block to -y moves it right.
        Assert.True(b.Value.X - a.Value.X > 10, $"centroid {a} -> {b}");
        Assert.True(Math.Abs(b.Value.Y - a.Value.Y) < 2, $"centroid {a} -> {b}");
    }

    [Fact]
    public async Task Render_TwoInstancesOnTwoThreads_GiveIdenticalImages()
    {
        byte[] RenderOnce()
        {
            using var sim = MujocoSim.LoadFile(SimScene.FindModel());
            sim.Reset(0);
            sim.PlaceFree("block_green", new Vec3(0.3, 0, 0.02), 0.3);
            return sim.Render("side", 64, 64);
        }
        var t1 = Task.Factory.StartNew(RenderOnce, TaskCreationOptions.LongRunning);
        var t2 = Task.Factory.StartNew(RenderOnce, TaskCreationOptions.LongRunning);
        var images = await Task.WhenAll(t1, t2).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(images[0], images[1]);
    }

    [Fact]
    public async Task LoadFile_ManyThreadsAtOnce_AllLoadAndRender()
    {
        // mj_loadXML has process-global state; the shim serialises loads (this used to crash the process).
        var path = SimScene.FindModel();
        var tasks = Enumerable.Range(0, 6).Select(_ => Task.Factory.StartNew(() =>
        {
            using var sim = MujocoSim.LoadFile(path);
            sim.Reset(0);
            sim.Step(10);
            return sim.Render("overhead", 32, 32).Length;
        }, TaskCreationOptions.LongRunning));
        var sizes = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(sizes, n => Assert.Equal(32 * 32 * 3, n));
    }

    [Fact]
    public void Render_SizeLargerThanOffscreenBuffer_Throws()
    {
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        var e = Assert.Throws<SimException>(() => sim.Render("overhead", 1024, 1024));
        Assert.Contains("offscreen", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NativeBenchLoop_SameWork_ReturnsPositiveTime()
    {
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        sim.Reset(0);
        var seconds = sim.NativeBenchLoop(3, 5, new double[sim.Nu], sim.Id(SimObject.Camera, "overhead"), 64, 64);
        Assert.True(seconds > 0);
    }

    private static (double X, double Y)? RedCentroid(byte[] rgb, int w = 64)
    {
        double sx = 0, sy = 0;
        var n = 0;
        for (var i = 0; i < rgb.Length / 3; i++)
        {
            int r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
            if (r > 150 && g < 80 && b < 80)
            {
                sx += i % w;
                sy += i / w;
                n++;
            }
        }
        return n == 0 ? null : (sx / n, sy / n);
    }
}
