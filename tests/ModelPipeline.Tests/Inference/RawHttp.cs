using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelPipeline.Tests.Inference;

/// <summary>
/// One HTTP/1.1 POST to <c>v2/models/iris/infer</c> over a plain socket, for what HttpClient does not
/// let a test control: a Content-Length with no body behind it, a chunked body. Reads the status line
/// and the JSON body until the server closes (the request says <c>Connection: close</c>).
/// </summary>
public static class RawHttp
{
    public sealed record Answer(int Status, JsonNode? Body);

    public static async Task<Answer> SendAsync(Uri address, string headers, byte[] body)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var head = $"POST /v2/models/iris/infer HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n" +
                   $"Connection: close\r\n{headers}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        await stream.FlushAsync();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var status = int.Parse(response.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var json = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        return new Answer(status, json.Length == 0 ? null : JsonNode.Parse(json));
    }
}
