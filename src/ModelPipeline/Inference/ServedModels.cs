using System.Collections.Concurrent;

namespace ModelPipeline.Inference;

/// <summary>
/// The models an <see cref="InferenceServer"/> serves, by name. A server made for one model serves
/// that one; ServeCheck's server serves each model of its run while that model's check runs, so one
/// server (one Kestrel start) answers a run over many models.
/// </summary>
public sealed class ServedModels
{
    private readonly ConcurrentDictionary<string, ServedModel> _byName = new(StringComparer.Ordinal);

    public ServedModels(params ServedModel[] models)
    {
        foreach (var model in models) Add(model);
    }

    /// <summary>Serves <paramref name="model"/> until <see cref="Remove"/> (one model per name).</summary>
    public void Add(ServedModel model)
    {
        if (!_byName.TryAdd(model.Name, model))
            throw new InvalidOperationException($"model '{model.Name}' is already served here");
    }

    /// <summary>Stops serving <paramref name="model"/> (requests for it then get 404).</summary>
    public void Remove(ServedModel model) =>
        _byName.TryRemove(new KeyValuePair<string, ServedModel>(model.Name, model));

    /// <summary>The model served under this name (and version, when given), or null.</summary>
    public ServedModel? Find(string name, string? version) =>
        _byName.TryGetValue(name, out var model) && model.Serves(name, version) ? model : null;

    /// <summary>What is served, for a 404: <c>'iris'</c>, <c>'iris' version 3</c>, or a list.</summary>
    public string Describe()
    {
        var served = _byName.Values.OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => m.Version is null ? $"'{m.Name}'" : $"'{m.Name}' version {m.Version}").ToList();
        return served.Count == 0 ? "no model" : string.Join(", ", served);
    }
}
