namespace Controller.Model.Tokens;

/// <summary>
/// The one vocabulary, Emu3 style: specials, then text bytes, image codes, state bins and action tokens,
/// each a contiguous id range, then (when <paramref name="ObjectBins"/> &gt; 0) the scene tokens: <paramref name="ObjectDims"/>
/// ranges of bins, one per dimension (the named object's x and y, the goal's x and y, then the tip's x, y and z at
/// the chunk's end). See docs/tokens.md.
/// Immutable and thread-safe.
/// </summary>
public sealed record Vocabulary(int ImageCodes, int StateBins, int ActionTokens, int ObjectBins = 0, int ObjectDims = Vocabulary.SceneDims)
{
    /// <summary>
    /// Scene tokens since session 5: object x, y and goal x, y on the table, then the tip's waypoint x, y, z (where the
    /// chunk ends). Earlier checkpoints: 4 (no waypoint) or 2 (the object only); the manifest's normaliser says which.
    /// </summary>
    public const int SceneDims = 7;

    public const int Pad = 0;
    public const int Bos = 1;
    public const int Eos = 2;
    public const int Boi = 3;
    public const int Eoi = 4;
    public const int Eol = 5;
    public const int Eof = 6;
    public const int Boa = 7;
    public const int Eoa = 8;
    public const int BoSt = 9;
    public const int EoSt = 10;
    /// <summary>In a predicted frame: this cell keeps the code it had in the frame before (a video codec's skip block).</summary>
    public const int Keep = 11;
    /// <summary>Begin / end of the named object's position (x, y bins): what the policy grounds the instruction to before it acts.</summary>
    public const int BoOb = 12;
    public const int EoOb = 13;
    public const int SpecialCount = 16; // 14..15 reserved

    public const int TextOffset = SpecialCount;
    public const int TextCount = 256;
    public int ImageOffset => TextOffset + TextCount;
    public int StateOffset => ImageOffset + ImageCodes;
    public int ActionOffset => StateOffset + StateBins;
    public int ObjectOffset => ActionOffset + ActionTokens;
    public int Size => ObjectOffset + ObjectDims * ObjectBins;

    public int Text(byte b) => TextOffset + b;
    public int Image(int code) => ImageOffset + Check(code, ImageCodes, "image code");
    public int State(int bin) => StateOffset + Check(bin, StateBins, "state bin");
    public int Action(int token) => ActionOffset + Check(token, ActionTokens, "action token");
    public int Object(int dim, int bin) => ObjectOffset + Check(dim, ObjectDims, "object dimension") * ObjectBins + Check(bin, ObjectBins, "object bin");

    public bool IsImage(int id) => id >= ImageOffset && id < StateOffset;
    public bool IsAction(int id) => id >= ActionOffset && id < ObjectOffset;
    public bool IsObject(int id) => id >= ObjectOffset && id < Size;

    public static string SpecialName(int id) => id switch
    {
        Pad => "PAD", Bos => "BOS", Eos => "EOS", Boi => "BOI", Eoi => "EOI", Eol => "EOL", Eof => "EOF",
        Boa => "BOA", Eoa => "EOA", BoSt => "BOSt", EoSt => "EOSt", Keep => "KEEP", BoOb => "BOOb", EoOb => "EOOb", _ => $"RES{id}",
    };

    private static int Check(int value, int count, string what) =>
        (uint)value < (uint)count ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{what} outside [0,{count})");
}
