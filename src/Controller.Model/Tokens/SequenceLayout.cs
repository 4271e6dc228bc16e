using System.Text;

namespace Controller.Model.Tokens;

/// <summary>
/// Builds token sequences in the documented layout (docs/tokens.md):
/// <c>BOS text…  BOI (v×g EOL)×g EOI  BOSt s… EOSt  [BOOb scene… EOOb]  BOA a… EOA  BOI (c|KEEP …) EOI</c>; the object span
/// only when the vocabulary has object bins. With <paramref name="PadInstruction"/> the instruction is padded with PAD to
/// <paramref name="MaxInstructionBytes"/>, so everything after it sits at the same position in every sequence (for a
/// model with absolute position embeddings). With <paramref name="SceneFirst"/> the object span comes before the state:
/// <c>… BOI frame EOI  BOOb scene… EOOb  BOSt s… EOSt  BOA …</c>, so the scene tokens are read from the text and frame
/// alone (causal attention cannot reach the joint positions from there). Immutable, thread-safe.
/// </summary>
public sealed record SequenceLayout(Vocabulary Vocab, int Grid, int StateDims, int MaxInstructionBytes = 32, bool PadInstruction = false, bool SceneFirst = false)
{
    public int ImageSpan => 2 + Grid * (Grid + 1);
    public int StateSpan => 2 + StateDims;
    public int ObjectSpan => HasObject ? 2 + Vocab.ObjectDims : 0;

    /// <summary>Tokens of a whole training sequence: instruction, frame, state, object, a chunk of up to <paramref name="maxActionTokens"/>, next frame.</summary>
    public int LongestSequence(int maxActionTokens) => 1 + MaxInstructionBytes + 2 * ImageSpan + StateSpan + ObjectSpan + 2 + maxActionTokens;

    public void Instruction(List<int> seq, string instruction)
    {
        seq.Add(Vocabulary.Bos);
        var bytes = Encoding.UTF8.GetBytes(instruction.Trim().ToLowerInvariant());
        foreach (var b in bytes.AsSpan(0, Math.Min(bytes.Length, MaxInstructionBytes)))
            seq.Add(Vocab.Text(b));
        for (var i = bytes.Length; PadInstruction && i < MaxInstructionBytes; i++)
            seq.Add(Vocabulary.Pad);
    }

    /// <summary>Appends BOI, the image codes row by row with EOL after each row, and EOI.</summary>
    public void Image(List<int> seq, ReadOnlySpan<int> codes) => Image(seq, codes, []);

    /// <summary>
    /// A later frame against a <paramref name="reference"/> (the frame before it, or empty for none): a cell whose
    /// code is unchanged is written as KEEP, so the tokens spell out only what moved.
    /// </summary>
    public void Image(List<int> seq, ReadOnlySpan<int> codes, ReadOnlySpan<int> reference)
    {
        if (codes.Length != Grid * Grid)
            throw new ArgumentException($"expected {Grid * Grid} image codes, got {codes.Length}");
        if (reference.Length != 0 && reference.Length != codes.Length)
            throw new ArgumentException($"expected {Grid * Grid} reference codes, got {reference.Length}");
        seq.Add(Vocabulary.Boi);
        for (var r = 0; r < Grid; r++)
        {
            for (var c = 0; c < Grid; c++)
            {
                var i = r * Grid + c;
                seq.Add(reference.Length != 0 && codes[i] == reference[i] ? Vocabulary.Keep : Vocab.Image(codes[i]));
            }
            seq.Add(Vocabulary.Eol);
        }
        seq.Add(Vocabulary.Eoi);
    }

    public void State(List<int> seq, ReadOnlySpan<float> positions, Normalizer norm)
    {
        seq.Add(Vocabulary.BoSt);
        for (var d = 0; d < StateDims; d++)
            seq.Add(Vocab.State(UniformBins.ToBin(norm.ToUnit(d, positions[d]), Vocab.StateBins)));
        seq.Add(Vocabulary.EoSt);
    }

    public bool HasObject => Vocab.ObjectBins > 0;

    /// <summary>The observation before the scene span: the frame, then the state (after the scene when <see cref="SceneFirst"/>).</summary>
    public void Observation(List<int> seq, ReadOnlySpan<int> codes, ReadOnlySpan<float> positions, Normalizer norm)
    {
        Image(seq, codes);
        if (!SceneFirst)
            State(seq, positions, norm);
    }

    /// <summary>What comes between the scene span and the actions: the state when <see cref="SceneFirst"/>, otherwise nothing.</summary>
    public void AfterScene(List<int> seq, ReadOnlySpan<float> positions, Normalizer norm)
    {
        if (SceneFirst)
            State(seq, positions, norm);
    }

    /// <summary>Appends BOOb, one bin per scene dimension (object x, y, goal x, y; table metres through <paramref name="norm"/>), EOOb.</summary>
    public void Object(List<int> seq, ReadOnlySpan<float> xy, Normalizer norm)
    {
        Span<int> bins = stackalloc int[Vocab.ObjectDims];
        for (var d = 0; d < bins.Length; d++)
            bins[d] = UniformBins.ToBin(norm.ToUnit(d, xy[d]), Vocab.ObjectBins);
        Object(seq, bins);
    }

    /// <summary>Appends BOOb, the object tokens of local <paramref name="bins"/> (one per dimension), EOOb.</summary>
    public void Object(List<int> seq, ReadOnlySpan<int> bins)
    {
        seq.Add(Vocabulary.BoOb);
        for (var d = 0; d < Vocab.ObjectDims; d++)
            seq.Add(Vocab.Object(d, bins[d]));
        seq.Add(Vocabulary.EoOb);
    }

    /// <summary>Object tokens (local bins, one per dimension) back to table metres.</summary>
    public float[] ObjectPosition(ReadOnlySpan<int> bins, Normalizer norm)
    {
        var xy = new float[bins.Length];
        for (var d = 0; d < bins.Length; d++)
            xy[d] = norm.FromUnit(d, UniformBins.FromBin(bins[d], Vocab.ObjectBins));
        return xy;
    }

    public void Actions(List<int> seq, ReadOnlySpan<int> actionTokens)
    {
        seq.Add(Vocabulary.Boa);
        foreach (var a in actionTokens)
            seq.Add(Vocab.Action(a));
        seq.Add(Vocabulary.Eoa);
    }

    /// <summary>Image codes back from a BOI…EOI span (EOLs skipped); null when the span is malformed.</summary>
    public int[]? ParseImage(IReadOnlyList<int> span)
    {
        var codes = span.Where(Vocab.IsImage).Select(id => id - Vocab.ImageOffset).ToArray();
        return codes.Length == Grid * Grid ? codes : null;
    }
}
