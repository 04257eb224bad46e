namespace ModelPipeline.Errors;

/// <summary>
/// Base of every expected failure. The message says what went wrong and what to do next;
/// the CLI prints it without a stack trace and exits with <see cref="ExitCode"/>.
/// </summary>
public abstract class PipelineException : Exception
{
    protected PipelineException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>2 for invalid input or usage, 1 for a failed operation.</summary>
    public abstract int ExitCode { get; }

    /// <summary>The model this failure belongs to, when there is one.</summary>
    public string? Model { get; init; }
}

/// <summary>Bad input: a model definition, a configuration file, an argument. Exit code 2.</summary>
public sealed class InvalidInputException : PipelineException
{
    public InvalidInputException(string message) : base(message) => Problems = [message];

    public InvalidInputException(string headline, IReadOnlyList<string> problems)
        : base(headline + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
        => Problems = problems;

    public IReadOnlyList<string> Problems { get; }

    public override int ExitCode => 2;
}

/// <summary>An operation that was attempted and failed: a download, a training run, a gate. Exit code 1.</summary>
public class OperationFailedException : PipelineException
{
    public OperationFailedException(string message, Exception? inner = null) : base(message, inner) { }

    public override int ExitCode => 1;
}

/// <summary>The validation gate refused a model. Carries every failing check.</summary>
public sealed class GateFailedException : OperationFailedException
{
    public GateFailedException(string message, IReadOnlyList<string> failures)
        : base(message + Environment.NewLine + string.Join(Environment.NewLine, failures.Select(f => "  - " + f)))
        => Failures = failures;

    public IReadOnlyList<string> Failures { get; }
}
