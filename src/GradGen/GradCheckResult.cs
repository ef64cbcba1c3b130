using System;
using System.Globalization;

namespace GradGen;

/// <summary>The outcome of a <see cref="GradCheck"/> comparison between an analytic and a numerical gradient.</summary>
public sealed class GradCheckResult
{
    internal GradCheckResult(int count, double maxError, long worstIndex, nint[] worstPosition, double worstAnalytic, double worstNumerical, double epsilon, double tolerance)
    {
        Count = count;
        MaxError = maxError;
        WorstIndex = worstIndex;
        WorstPosition = worstPosition;
        WorstAnalytic = worstAnalytic;
        WorstNumerical = worstNumerical;
        Epsilon = epsilon;
        Tolerance = tolerance;
    }

    /// <summary>True when every element's error is at most <see cref="Tolerance"/> (a NaN anywhere fails).</summary>
    public bool Passed => MaxError <= Tolerance;

    /// <summary>
    /// The largest mixed error over all elements, |a − n| / max(1, |a|, |n|) for analytic a and numerical n: an
    /// absolute error for small gradients and a relative one for large gradients. NaN when either side was NaN.
    /// </summary>
    public double MaxError { get; }

    /// <summary>The flat (row-major) index of the element with the largest error (0 when nothing was compared).</summary>
    public long WorstIndex { get; }

    /// <summary>The multi-index of the element with the largest error (empty for a scalar check).</summary>
    public nint[] WorstPosition { get; }

    /// <summary>The analytic gradient at <see cref="WorstPosition"/>.</summary>
    public double WorstAnalytic { get; }

    /// <summary>The numerical gradient at <see cref="WorstPosition"/>.</summary>
    public double WorstNumerical { get; }

    /// <summary>The number of elements compared.</summary>
    public int Count { get; }

    /// <summary>The finite-difference step that was used.</summary>
    public double Epsilon { get; }

    /// <summary>The tolerance that <see cref="MaxError"/> was compared with.</summary>
    public double Tolerance { get; }

    /// <summary>
    /// A one-line report, e.g. <c>GradCheck passed: 12 elements, max error 3.1e-09 (tolerance 1.0e-06) at [1, 2] (analytic 0.25, numerical 0.2500000003)</c>.
    /// </summary>
    public override string ToString()
    {
        var culture = CultureInfo.InvariantCulture;
        string verdict = Passed ? "GradCheck passed" : "GradCheck FAILED";
        string elements = Count == 1 ? "1 element" : Count.ToString(culture) + " elements";
        string at = WorstPosition.Length == 0 ? "" : " at " + TensorShape.Format(WorstPosition);
        return string.Create(culture,
            $"{verdict}: {elements}, max error {MaxError:0.0e+00} (tolerance {Tolerance:0.0e+00}){at} (analytic {WorstAnalytic:G10}, numerical {WorstNumerical:G10})");
    }

    /// <summary>Throws a <see cref="GradCheckException"/> carrying <see cref="ToString"/> when the check failed.</summary>
    /// <exception cref="GradCheckException">The check failed.</exception>
    public void ThrowIfFailed()
    {
        if (!Passed) throw new GradCheckException(this);
    }
}
