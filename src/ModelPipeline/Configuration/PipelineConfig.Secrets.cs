namespace ModelPipeline.Configuration;

public sealed partial record PipelineConfig
{
    /// <summary>
    /// The environment variables this configuration names as holding secrets (tokens, registry
    /// password). Their values are redacted from all output; trainers never get them (see TrainerEnvironment).
    /// </summary>
    public IReadOnlyList<string> SecretEnvironmentVariables() =>
        new[] { Registry.PasswordEnv, Zoo.TokenEnv, GitOps.TokenEnv, Forge.TokenEnv, Signing.KeyEnv, Signing.PasswordEnv }
            .Concat(Zoo.Mirrors.Select(m => m.TokenEnv))
            .Concat(Training.SecretEnvironmentVariables())
            .Concat(Import.SecretEnvironmentVariables())
            .Concat(ModelPipeline.Notifications.NotificationCheck.SecretVariables(Notifications))
            .Where(name => !string.IsNullOrEmpty(name))
            .Select(name => name!)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Registers the values of <see cref="SecretEnvironmentVariables"/> and of the
    /// <see cref="WellKnownSecrets"/> (CI and service credentials) with the redactor; returns them.
    /// </summary>
    public IReadOnlyList<string> RegisterSecrets()
    {
        var values = new List<string>();
        foreach (var name in SecretEnvironmentVariables().Concat(WellKnownSecrets.All).Distinct(StringComparer.Ordinal))
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(value)) continue;
            Errors.Redactor.Register(value);
            values.Add(value);
        }
        return values;
    }
}
