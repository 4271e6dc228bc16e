using System.Security.Cryptography;
using System.Text;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// The rosbridge ROS 1 <c>auth</c> op (rosauth): mac = hex(SHA-512(secret + client + dest + rand + t + level + end)),
/// valid while t ≤ now ≤ end (Unix seconds). Stateless and thread-safe.
/// </summary>
public sealed record RosAuthRequest(string Mac, string Client, string Dest, string Rand, long Time, string Level, long End)
{
    public static RosAuthRequest Create(string secret, string client, string dest, string level, DateTimeOffset now, TimeSpan lifetime)
    {
        var rand = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var t = now.ToUnixTimeSeconds();
        var end = (now + lifetime).ToUnixTimeSeconds();
        return new RosAuthRequest(ComputeMac(secret, client, dest, rand, t, level, end), client, dest, rand, t, level, end);
    }

    public static string ComputeMac(string secret, string client, string dest, string rand, long t, string level, long end)
        => Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes($"{secret}{client}{dest}{rand}{t}{level}{end}"))).ToLowerInvariant();

    public RosMap ToRos() => new()
    {
        ["op"] = RosbridgeOps.Auth, ["mac"] = Mac, ["client"] = Client, ["dest"] = Dest, ["rand"] = Rand, ["t"] = Time, ["level"] = Level, ["end"] = End,
    };

    public static RosAuthRequest FromRos(RosMap m) => new(m.GetString("mac"), m.GetString("client"), m.GetString("dest"), m.GetString("rand"),
        (long)m.GetDouble("t", 0), m.GetString("level"), (long)m.GetDouble("end", 0));

    /// <summary>True when the MAC matches <paramref name="secret"/> and <paramref name="now"/> is inside [t, end].</summary>
    public bool IsValid(string secret, DateTimeOffset now)
    {
        var expected = ComputeMac(secret, Client, Dest, Rand, Time, Level, End);
        var unix = now.ToUnixTimeSeconds();
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(Mac.ToLowerInvariant()))
            && unix >= Time - 5 && unix <= End;
    }
}
