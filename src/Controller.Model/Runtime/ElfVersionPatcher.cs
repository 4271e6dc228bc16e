using System.Buffers.Binary;
using System.Text;

namespace Controller.Model.Runtime;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 shared object as weak (VER_FLG_WEAK) so the
/// dynamic loader accepts a libstdc++ that lacks that version. Walks .gnu.version_r:
/// Elf64_Verneed → Elf64_Vernaux, matching vna_name, and ORs 0x2 into vna_flags. Idempotent.
/// </summary>
public static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>Result of a patch attempt.</summary>
    public enum Outcome { Patched, AlreadyWeak, NotReferenced }

    public static Outcome MakeVersionWeak(string path, string versionName)
    {
        var bytes = File.ReadAllBytes(path);
        var (outcome, flagOffset) = Find(bytes, versionName);
        if (outcome != Outcome.Patched)
            return outcome;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        var flags = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(flagOffset)) | VerFlgWeak);
        Span<byte> buf = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(buf, flags);
        fs.Position = flagOffset;
        fs.Write(buf);
        return Outcome.Patched;
    }

    /// <summary>Finds the vna_flags offset of <paramref name="versionName"/>; Patched means "needs patching there".</summary>
    public static (Outcome Outcome, int FlagOffset) Find(ReadOnlySpan<byte> elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only little-endian ELF64 is supported");
        var shoff = checked((int)U64(elf, 0x28));
        var shentsize = U16(elf, 0x3A);
        var shnum = U16(elf, 0x3C);
        var wanted = Encoding.ASCII.GetBytes(versionName);
        for (var s = 0; s < shnum; s++)
        {
            var sh = shoff + s * shentsize;
            if (U32(elf, sh + 4) != ShtGnuVerneed)
                continue;
            var secOff = checked((int)U64(elf, sh + 0x18));
            var link = U32(elf, sh + 0x28);
            var strOff = checked((int)U64(elf, shoff + (int)link * shentsize + 0x18));
            var need = secOff;
            while (true)
            {
                var cnt = U16(elf, need + 2);
                var aux = need + (int)U32(elf, need + 8);
                for (var i = 0; i < cnt; i++)
                {
                    var name = strOff + (int)U32(elf, aux + 8);
                    var end = elf[name..].IndexOf((byte)0);
                    if (elf.Slice(name, end).SequenceEqual(wanted))
                    {
                        var flagsAt = aux + 4;
                        return (U16(elf, flagsAt) & VerFlgWeak) != 0 ? (Outcome.AlreadyWeak, flagsAt) : (Outcome.Patched, flagsAt);
                    }
                    aux += (int)U32(elf, aux + 12);
                }
                var next = U32(elf, need + 12);
                if (next == 0)
                    break;
                need += (int)next;
            }
        }
        return (Outcome.NotReferenced, -1);
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);
    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
}
