using System;

namespace GradGen;

/// <summary>Thrown by <see cref="GradCheckResult.ThrowIfFailed"/> when an analytic gradient disagrees with finite differences.</summary>
public sealed class GradCheckException : Exception
{
    /// <summary>Creates the exception for a failed check; the message is the check's report.</summary>
    public GradCheckException(GradCheckResult result)
        : base((result ?? throw new ArgumentNullException(nameof(result))).ToString())
    {
        Result = result;
    }

    /// <summary>The failed check.</summary>
    public GradCheckResult Result { get; }
}
