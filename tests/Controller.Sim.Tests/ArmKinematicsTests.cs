namespace Controller.Sim.Tests;

public class ArmKinematicsTests
{
    [Theory]
    [InlineData(0.2, 0.0, 0.05)]
    [InlineData(0.3, 0.15, 0.12)]
    [InlineData(0.25, -0.15, 0.018)]
    public void Inverse_ReachablePoint_ForwardReturnsIt(double x, double y, double z)
    {
        var q = ArmKinematics.Inverse(new Vec3(x, y, z));
        var p = ArmKinematics.Forward(q);
        Assert.True(p.DistanceTo(new Vec3(x, y, z)) < 1e-6, $"{p}");
    }

    [Fact]
    public void Forward_MatchesTheModelsTipSite()
    {
        using var sim = MujocoSim.LoadFile(SimScene.FindModel());
        sim.Reset(0);
        var q = ArmKinematics.Inverse(new Vec3(0.28, 0.08, 0.06));
        var (qpos, qvel) = sim.GetState();
        string[] joints = ["base_yaw", "shoulder", "elbow", "wrist"];
        for (var i = 0; i < 4; i++)
            qpos[sim.Joint(joints[i]).QposAddress] = q[i];
        sim.SetState(qpos, qvel);
        Assert.True(sim.SitePosition(SimScene.TipSite).DistanceTo(ArmKinematics.Forward(q)) < 1e-6);
    }
}
