using System.Collections;
using ModelPipeline.Errors;

namespace ModelPipeline.Notifications;

/// <summary>The rules on webhooks the schema cannot say; shared by pipeline.json's Check and sync.json's loader.</summary>
public static class NotificationCheck
{
    /// <summary>Problems (exit 2): each "$.notifications.webhooks[i].field: what, Fix: how".</summary>
    public static IReadOnlyList<string> Problems(NotificationSettings settings)
    {
        var problems = new List<string>();
        for (var i = 0; i < settings.Webhooks.Count; i++)
        {
            var hook = settings.Webhooks[i];
            var at = $"$.notifications.webhooks[{i}]";
            if ((hook.Url is null) == (hook.UrlEnv is null))
                problems.Add($"{at}: give exactly one of url and urlEnv. Fix: set url, or urlEnv naming the variable that holds a secret URL.");
            if (hook.Url is { } url)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    problems.Add($"{at}.url: '{Redactor.Redact(url)}' is not an http(s) URL. Fix: e.g. https://hooks.example.com/modelpipe.");
                else if (!string.IsNullOrEmpty(uri.UserInfo))
                    problems.Add($"{at}.url: the URL embeds credentials (user info before '@'); credentials never go into files. "
                        + "Fix: remove them and sign deliveries with secretEnv instead.");
            }
            if (hook.BudgetSeconds < hook.TimeoutSeconds)
                problems.Add($"{at}.budgetSeconds: {hook.BudgetSeconds}s is less than one attempt's timeoutSeconds ({hook.TimeoutSeconds}s). "
                    + "Fix: raise budgetSeconds or lower timeoutSeconds.");
            var duplicate = settings.Webhooks.Take(i).Any(w => w.Name is not null && w.Name == hook.Name);
            if (duplicate)
                problems.Add($"{at}.name: '{hook.Name}' names another webhook too. Fix: give each webhook its own name.");
        }
        return problems;
    }

    /// <summary>Variables named by secretEnv or urlEnv that are not set here: deliveries would fail (warnings).</summary>
    public static IReadOnlyList<string> Warnings(NotificationSettings settings, IDictionary environment)
    {
        var warnings = new List<string>();
        for (var i = 0; i < settings.Webhooks.Count; i++)
            foreach (var (field, name) in new[] { ("secretEnv", settings.Webhooks[i].SecretEnv), ("urlEnv", settings.Webhooks[i].UrlEnv) })
                if (name is not null && string.IsNullOrEmpty(environment[name] as string))
                    warnings.Add($"$.notifications.webhooks[{i}].{field} names {name}, which is not set in this environment; "
                        + $"its deliveries will fail (with a warning). Fix: export {name} where the steps run (CI secrets).");
        return warnings;
    }

    /// <summary>The variables the settings name as secrets (redacted from all output).</summary>
    public static IEnumerable<string> SecretVariables(NotificationSettings settings) =>
        settings.Webhooks.SelectMany(w => new[] { w.SecretEnv, w.UrlEnv }).OfType<string>();
}
