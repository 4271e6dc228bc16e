namespace Controller.Sim;

/// <summary>A 3-vector in metres (world frame unless stated). Immutable value type.</summary>
public readonly record struct Vec3(double X, double Y, double Z)
{
    public static Vec3 operator +(Vec3 a, Vec3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
    public static Vec3 operator -(Vec3 a, Vec3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
    public static Vec3 operator *(Vec3 a, double k) => new(a.X * k, a.Y * k, a.Z * k);

    public double Length => Math.Sqrt(X * X + Y * Y + Z * Z);

    /// <summary>Distance in the table plane (ignores Z).</summary>
    public double PlanarDistance(Vec3 other) => Math.Sqrt((X - other.X) * (X - other.X) + (Y - other.Y) * (Y - other.Y));

    public double DistanceTo(Vec3 other) => (this - other).Length;

    public override string ToString() => FormattableString.Invariant($"({X:F3}, {Y:F3}, {Z:F3})");
}
