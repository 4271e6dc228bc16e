namespace Controller.Model.Tokens;

/// <summary>
/// Byte-pair encoding over integer symbols. Ids [0, baseSymbols) are the base alphabet; merge i creates id
/// baseSymbols + i from the pair Merges[i]. Immutable after construction; thread-safe.
/// </summary>
public sealed class Bpe
{
    private readonly Dictionary<(int, int), int> _rank = [];

    public Bpe(int baseSymbols, int[][] merges)
    {
        BaseSymbols = baseSymbols;
        Merges = merges;
        for (var i = 0; i < merges.Length; i++)
            _rank[(merges[i][0], merges[i][1])] = i;
    }

    public int BaseSymbols { get; }
    public int[][] Merges { get; }
    public int VocabSize => BaseSymbols + Merges.Length;

    /// <summary>Learns merges greedily (most frequent adjacent pair first) until the vocabulary has <paramref name="vocabSize"/> ids.</summary>
    public static Bpe Train(IEnumerable<int[]> corpus, int baseSymbols, int vocabSize)
    {
        var seqs = corpus.Select(s => s.ToList()).ToList();
        var merges = new List<int[]>();
        while (baseSymbols + merges.Count < vocabSize)
        {
            var counts = new Dictionary<(int, int), int>();
            foreach (var s in seqs)
                for (var i = 0; i + 1 < s.Count; i++)
                {
                    var p = (s[i], s[i + 1]);
                    counts[p] = counts.GetValueOrDefault(p) + 1;
                }
            if (counts.Count == 0)
                break;
            // Ties break on the smaller pair so training is deterministic.
            var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1).ThenBy(kv => kv.Key.Item2).First();
            if (best.Value < 2)
                break;
            var id = baseSymbols + merges.Count;
            merges.Add([best.Key.Item1, best.Key.Item2]);
            foreach (var s in seqs)
                MergeAll(s, best.Key, id);
        }
        return new Bpe(baseSymbols, [.. merges]);
    }

    public int[] Encode(ReadOnlySpan<int> symbols)
    {
        var s = symbols.ToArray().ToList();
        while (s.Count > 1)
        {
            int bestRank = int.MaxValue, at = -1;
            for (var i = 0; i + 1 < s.Count; i++)
                if (_rank.TryGetValue((s[i], s[i + 1]), out var r) && r < bestRank)
                {
                    bestRank = r;
                    at = i;
                }
            if (at < 0)
                break;
            MergeAll(s, (Merges[bestRank][0], Merges[bestRank][1]), BaseSymbols + bestRank);
        }
        return [.. s];
    }

    /// <summary>Expands ids to base symbols; ids outside the vocabulary are skipped.</summary>
    public List<int> Decode(ReadOnlySpan<int> ids)
    {
        var output = new List<int>();
        foreach (var id in ids)
            Expand(id, output);
        return output;
    }

    private void Expand(int id, List<int> output)
    {
        if (id < 0 || id >= VocabSize)
            return;
        if (id < BaseSymbols)
        {
            output.Add(id);
            return;
        }
        var m = Merges[id - BaseSymbols];
        Expand(m[0], output);
        Expand(m[1], output);
    }

    private static void MergeAll(List<int> s, (int, int) pair, int id)
    {
        var w = 0;
        for (var r = 0; r < s.Count; r++)
        {
            if (r + 1 < s.Count && s[r] == pair.Item1 && s[r + 1] == pair.Item2)
            {
                s[w++] = id;
                r++;
            }
            else
            {
                s[w++] = s[r];
            }
        }
        s.RemoveRange(w, s.Count - w);
    }
}
