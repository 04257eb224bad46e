using System.Text.Json;

namespace ModelPipeline.RunState;

/// <summary>
/// Builds System.Text.Json's metadata for the documents nearly every verb reads (settings, model definitions, the
/// run-state records) on a pool thread while the main thread parses the command line and reads the settings. Built by
/// reflection, that metadata is about a third of a verb's start-up; on a second core it is ready, or nearly, when
/// first needed. (Generated serializers would avoid it, but System.Text.Json's generator drops the defaults of
/// init-only properties that a document leaves out, which these records rely on: dotnet/runtime#84484.)
/// </summary>
public static class JsonWarmUp
{
    public static void Start() => ThreadPool.UnsafeQueueUserWorkItem(_ =>
    {
        try
        {
            PrepareAll();
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            // the verb that reads the type meets, and reports, the same problem
        }
    }, null);

    internal static void PrepareAll()
    {
        Prepare(Models.ModelLoader.JsonOptions, typeof(Configuration.PipelineConfig), typeof(Models.ModelDefinition));
        Prepare(RunStateStore.Json, typeof(CurrentRun), typeof(Validation.ValidationReport),
            typeof(Training.TrainingRecord), typeof(Packaging.PackageRecord), typeof(Fetching.FetchRecord),
            typeof(Configuration.PipelineConfig));
    }

    internal static void Prepare(JsonSerializerOptions options, params Type[] types)
    {
        // Options get their reflection-based resolver at their first use by JsonSerializer; until then GetTypeInfo
        // has none to ask and throws. Locking them with it here is what that first use would do.
        options.MakeReadOnly(populateMissingResolver: true);
        foreach (var type in types) options.GetTypeInfo(type);
    }
}
