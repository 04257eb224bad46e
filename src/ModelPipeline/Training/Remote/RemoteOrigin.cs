using ModelPipeline.Errors;

namespace ModelPipeline.Training.Remote;

/// <summary>
/// The one place a remote backend's token may go: the exact origin (scheme, host, port) of the
/// API, over https, or over plain http only when the API itself is a loopback address.
/// </summary>
public sealed record RemoteOrigin(string Scheme, string Host, int Port)
{
    public static RemoteOrigin Of(Uri uri) => new(uri.Scheme, uri.IdnHost, uri.Port);

    public bool Matches(Uri? uri) =>
        uri is not null && uri.IsAbsoluteUri && Of(uri) is var o
        && string.Equals(o.Scheme, Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(o.Host, Host, StringComparison.OrdinalIgnoreCase) && o.Port == Port;

    /// <summary>Refuses to send a token in clear to anything but a loopback API.</summary>
    public static RemoteOrigin ForToken(string endpoint, string service, string variable, string model)
    {
        var uri = new Uri(endpoint);
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            throw new InvalidInputException(
                $"model '{model}': {service} is configured at {uri.GetLeftPart(UriPartial.Authority)} over plain http; " +
                "the token in " +
                $"{variable} would travel in clear. Fix: use the https:// address of the API.")
            { Model = model };
        return Of(uri);
    }

    public override string ToString() => $"{Scheme}://{Host}:{Port}";
}
