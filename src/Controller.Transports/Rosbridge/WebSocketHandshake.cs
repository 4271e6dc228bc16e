using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Controller.Transports.Rosbridge;

/// <summary>
/// The server half of the RFC 6455 opening handshake over a raw TCP stream, so the server needs
/// neither ASP.NET nor HttpListener (which cannot bind port 0). Reads at most 16 KiB of headers.
/// </summary>
internal static class WebSocketHandshake
{
    private const string Magic = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private const int MaxHeaderBytes = 16 * 1024;

    /// <summary>Answers 101 and returns true for a WebSocket upgrade; answers 400 and returns false otherwise.</summary>
    public static async Task<bool> AcceptAsync(NetworkStream stream, CancellationToken ct)
    {
        var header = new List<byte>(512);
        var one = new byte[1];
        while (header.Count < MaxHeaderBytes)
        {
            if (await stream.ReadAsync(one, ct).ConfigureAwait(false) == 0)
                return false;
            header.Add(one[0]);
            if (header.Count >= 4 && header[^1] == '\n' && header[^2] == '\r' && header[^3] == '\n' && header[^4] == '\r')
                break;
        }
        var lines = Encoding.ASCII.GetString(header.ToArray()).Split("\r\n");
        string? key = null;
        var upgrade = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase))
                key = value;
            else if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) && value.Equals("websocket", StringComparison.OrdinalIgnoreCase))
                upgrade = true;
        }
        if (!lines[0].StartsWith("GET ", StringComparison.Ordinal) || !upgrade || key is null)
        {
            var body = "rosbridge v2 WebSocket endpoint: connect with a WebSocket client\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), ct).ConfigureAwait(false);
            return false;
        }
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Magic)));
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), ct).ConfigureAwait(false);
        return true;
    }
}
