using ModelPipeline.Notifications;

namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary>The <c>notifications</c> section: webhooks told about published versions, alias moves, promotions and gates.</summary>
    public NotificationSettings Notifications { get; init; } = new();
}
