using ModelPipeline.Ci;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace ModelPipeline.GitOps;

/// <summary>Double-quotes every string that a YAML 1.1 or 1.2 reader would take for a boolean, null or number.</summary>
internal sealed class QuoteAmbiguousStrings(IEventEmitter next) : ChainedEventEmitter(next)
{
    public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
    {
        if (eventInfo.Source.Type == typeof(string) && eventInfo.Source.Value is string text && CiYaml.ReadsAsNonString(text))
            eventInfo.Style = ScalarStyle.DoubleQuoted;
        base.Emit(eventInfo, emitter);
    }
}
