using System.CommandLine;
using ModelPipeline.Cli.Output;
using ModelPipeline.GitOps;

namespace ModelPipeline.Cli.Commands;

/// <summary><c>env freeze|unfreeze test|prod --model NAME</c>: an operator's hold on an environment, kept in the GitOps repository.</summary>
internal static class EnvCommands
{
    public static Command Env()
    {
        var env = new Command("env", "Hold an environment of a model where it is: freeze and unfreeze (a freeze.yaml in the GitOps repository).");
        env.Subcommands.Add(Freeze());
        env.Subcommands.Add(Unfreeze());
        return env;
    }

    private static Argument<string> EnvironmentArgument()
    {
        var environment = new Argument<string>("ENVIRONMENT") { Description = "test or prod." };
        environment.AcceptOnlyFromAmong([.. AliasSync.Environments]);
        return environment;
    }

    private static Option<string> Model() => new("--model", "-m") { Description = "The model whose environment it is.", Required = true };

    private static Command Freeze()
    {
        var environment = EnvironmentArgument();
        var model = Model();
        var reason = new Option<string>("--reason") { Description = "Why (recorded with who froze it and when).", Required = true };
        var until = new Option<string?>("--until") { Description = "When the freeze ends by itself (ISO 8601, UTC unless an offset is given). Default: until unfreeze." };
        var command = new Command("freeze", "Freeze test or prod of a model: UpdateGitOps, OpenPr, Promote and pr merge leave it where it is.")
        {
            environment, model, reason, until,
        };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var name = parse.GetValue(model)!;
            var env = parse.GetValue(environment)!;
            return await Verb.RunRowsAsync(ctx, "env freeze", [name], m => m, m => $"{env} {m}", async m =>
            {
                var result = await new EnvironmentFreezes(ctx.Config, ctx.Output).FreezeAsync(m, env, parse.GetValue(reason)!, parse.GetValue(until), ct);
                return Row("env freeze", result, $"{env} frozen by {result.Freeze!.FrozenBy} until {result.Freeze.Until ?? "unfrozen"}: {result.Freeze.Reason}");
            });
        }, ct));
        return command;
    }

    private static Command Unfreeze()
    {
        var environment = EnvironmentArgument();
        var model = Model();
        var command = new Command("unfreeze", "Lift the freeze of test or prod of a model.") { environment, model };
        command.SetAction((parse, ct) => Verb.Guard(async () =>
        {
            var ctx = CommandContext.Create(parse);
            var name = parse.GetValue(model)!;
            var env = parse.GetValue(environment)!;
            return await Verb.RunRowsAsync(ctx, "env unfreeze", [name], m => m, m => $"{env} {m}", async m =>
            {
                var result = await new EnvironmentFreezes(ctx.Config, ctx.Output).UnfreezeAsync(m, env, ct);
                return Row("env unfreeze", result, result.Commit is null ? $"{env} was not frozen" : $"{env} unfrozen ({result.Path} removed)");
            });
        }, ct));
        return command;
    }

    private static StepResult Row(string step, FreezeResult result, string detail) => new()
    {
        Model = result.Model,
        Step = step,
        Result = result.Commit is null ? "skipped" : "ok",
        Detail = detail,
        Data = result,
    };
}
