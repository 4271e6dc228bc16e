using Controller.Sim.Imaging;

namespace Controller.Sim.Tests;

public class PngTests
{
    [Fact]
    public void Encode_ThenDecode_ReturnsTheSamePixels()
    {
        var rgb = new byte[37 * 23 * 3];
        new Random(3).NextBytes(rgb);
        var (back, w, h) = Png.Decode(Png.Encode(rgb, 37, 23));
        Assert.Equal((37, 23), (w, h));
        Assert.Equal(rgb, back);
    }

    [Fact]
    public void Encode_BufferTooSmall_Throws()
        => Assert.Throws<ArgumentException>(() => Png.Encode(new byte[10], 4, 4));
}
