namespace Controller.Sim;

/// <summary>
/// Closed-form kinematics of the sim-arm (sim/models/sim_arm.xml) with the tool pointing straight down.
/// Joint order: base_yaw, shoulder, elbow, wrist (rad). Pitch angles are measured from vertical,
/// positive tilting away from the base. Pure functions; thread-safe.
/// </summary>
public static class ArmKinematics
{
    /// <summary>Height of the shoulder axis above the table (m).</summary>
    public const double ShoulderHeight = 0.15;
    public const double UpperArm = 0.20;
    public const double Forearm = 0.20;

    /// <summary>Wrist axis to the tip site (m).</summary>
    public const double Hand = 0.10;

    /// <summary>Radial reach of the tip, kept away from the base and from full stretch.</summary>
    public const double MinRadius = 0.15;
    public const double MaxRadius = 0.39;

    private static readonly double[] Min = [-2.6, -1.6, -2.4, -2.0];
    private static readonly double[] Max = [2.6, 1.6, 2.4, 2.0];

    /// <summary>Tip position (world, m) for joint angles q[0..3].</summary>
    public static Vec3 Forward(ReadOnlySpan<double> q)
    {
        var a1 = q[1];
        var a2 = a1 + q[2];
        var a3 = a2 + q[3];
        var r = UpperArm * Math.Sin(a1) + Forearm * Math.Sin(a2) + Hand * Math.Sin(a3);
        var z = ShoulderHeight + UpperArm * Math.Cos(a1) + Forearm * Math.Cos(a2) + Hand * Math.Cos(a3);
        return new Vec3(r * Math.Cos(q[0]), r * Math.Sin(q[0]), z);
    }

    /// <summary>
    /// Joint angles [yaw, shoulder, elbow, wrist] that put the tip at <paramref name="tip"/> pointing down
    /// (elbow bent away from the base). Unreachable points are pulled onto the reachable annulus;
    /// results are clamped to the joint limits.
    /// </summary>
    public static double[] Inverse(Vec3 tip)
    {
        var yaw = Math.Atan2(tip.Y, tip.X);
        var r = Math.Clamp(Math.Sqrt(tip.X * tip.X + tip.Y * tip.Y), MinRadius, MaxRadius);
        var dr = r;
        var dz = tip.Z + Hand - ShoulderHeight;
        var d2 = dr * dr + dz * dz;
        var c = Math.Clamp((d2 - UpperArm * UpperArm - Forearm * Forearm) / (2 * UpperArm * Forearm), -1, 1);
        var elbow = Math.Acos(c);
        var phi = Math.Atan2(dr, dz);
        var beta = Math.Atan2(Forearm * Math.Sin(elbow), UpperArm + Forearm * Math.Cos(elbow));
        var shoulder = phi - beta;
        var wrist = Math.PI - (shoulder + elbow);
        double[] q = [yaw, shoulder, elbow, wrist];
        for (var i = 0; i < q.Length; i++)
            q[i] = Math.Clamp(q[i], Min[i], Max[i]);
        return q;
    }
}
