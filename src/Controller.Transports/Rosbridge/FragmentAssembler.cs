using System.Text;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// Reassembles <c>fragment</c> (and fragmented <c>png</c>) ops into the original message text.
/// Bounded: at most <see cref="MaxPending"/> messages in progress, <see cref="MaxFragments"/> parts and
/// <see cref="MaxBytes"/> characters per message; parts older than <see cref="Expiry"/> are dropped.
/// Inconsistent fragments (total changes, num out of range) discard the message and throw.
/// Not thread-safe: one per connection, used from its receive loop.
/// </summary>
public sealed class FragmentAssembler(TimeProvider? time = null)
{
    public const int MaxPending = 16;
    public const int MaxFragments = 100_000;
    public const int MaxBytes = 64 * 1024 * 1024;
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    private sealed class Pending(int total, DateTimeOffset started)
    {
        public readonly string?[] Parts = new string?[total];
        public readonly DateTimeOffset Started = started;
        public int Received;
        public long Chars;
    }

    public int InProgress => _pending.Count;

    /// <summary>Adds one part; returns the whole text when the last part arrives, else null.</summary>
    public string? Add(string id, long num, long total, string data)
    {
        var now = _time.GetUtcNow();
        foreach (var stale in _pending.Where(p => now - p.Value.Started > Expiry).Select(p => p.Key).ToList())
            _pending.Remove(stale);

        if (total is < 1 or > MaxFragments)
            throw new RosbridgeProtocolException("bad_fragment", $"fragment '{id}': total {total} is outside 1..{MaxFragments}");
        if (num < 0 || num >= total)
            throw new RosbridgeProtocolException("bad_fragment", $"fragment '{id}': num {num} is outside 0..{total - 1}");
        if (!_pending.TryGetValue(id, out var p))
        {
            if (_pending.Count >= MaxPending)
                throw new RosbridgeProtocolException("too_many_fragments", $"more than {MaxPending} fragmented messages in progress; dropping '{id}'");
            p = new Pending((int)total, now);
            _pending[id] = p;
        }
        else if (p.Parts.Length != total)
        {
            _pending.Remove(id);
            throw new RosbridgeProtocolException("bad_fragment", $"fragment '{id}': total changed from {p.Parts.Length} to {total}");
        }
        if (p.Parts[num] is not null)
            return null; // duplicate part: keep the first
        p.Chars += data.Length;
        if (p.Chars > MaxBytes)
        {
            _pending.Remove(id);
            throw new RosbridgeProtocolException("too_large", $"fragmented message '{id}' exceeds {MaxBytes} characters");
        }
        p.Parts[num] = data;
        if (++p.Received < p.Parts.Length)
            return null;
        _pending.Remove(id);
        var sb = new StringBuilder((int)p.Chars);
        foreach (var part in p.Parts)
            sb.Append(part);
        return sb.ToString();
    }

    /// <summary>Splits text into fragment ops of at most <paramref name="size"/> characters, never inside a surrogate pair.</summary>
    public static List<RosMap> Split(string text, string id, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var parts = new List<string>();
        for (var i = 0; i < text.Length;)
        {
            var n = Math.Min(size, text.Length - i);
            if (n < text.Length - i && char.IsHighSurrogate(text[i + n - 1]) && n > 1)
                n--;
            parts.Add(text.Substring(i, n));
            i += n;
        }
        return [.. parts.Select((d, num) => new RosMap { ["op"] = RosbridgeOps.Fragment, ["id"] = id, ["data"] = d, ["num"] = (long)num, ["total"] = (long)parts.Count })];
    }
}
