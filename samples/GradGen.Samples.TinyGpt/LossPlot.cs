using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace GradGen.Samples.TinyGpt;

/// <summary>Writes the loss curve as a PNG (ScottPlot) and as CSV.</summary>
public static class LossPlot
{
    /// <summary>Writes <c>loss.png</c> and <c>loss.csv</c> into <paramref name="folder"/>; returns the PNG's path.</summary>
    public static string Write(string folder, IReadOnlyList<float> losses)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "loss.csv"),
            losses.Select((l, i) => (i + 1).ToString(CultureInfo.InvariantCulture) + "," + l.ToString("R", CultureInfo.InvariantCulture)).Prepend("step,loss"));
        var plot = new ScottPlot.Plot();
        var steps = Enumerable.Range(1, losses.Count).Select(i => (double)i).ToArray();
        var curve = plot.Add.Scatter(steps, losses.Select(l => (double)l).ToArray());
        curve.MarkerSize = 0;
        curve.LegendText = "loss of the step's batch";
        curve.LineWidth = 1;
        curve.Color = curve.Color.WithAlpha(0.35);
        // The per-batch loss is noisy (each step sees another batch): the trend is the smoothed line over it.
        var smoothed = plot.Add.Scatter(steps, Smoothed(losses, Smoothing));
        smoothed.MarkerSize = 0;
        smoothed.LineWidth = 2.5f;
        smoothed.Color = ScottPlot.Colors.Black;
        smoothed.LegendText = "smoothed (moving average, weight " + Smoothing.ToString(CultureInfo.InvariantCulture) + " on the past)";
        var uniform = plot.Add.HorizontalLine(Math.Log(256));
        uniform.LegendText = "uniform, ln 256";
        plot.Title("TinyGpt training loss (byte-level cross-entropy)");
        plot.XLabel("step");
        plot.YLabel("loss (nats)");
        var path = Path.Combine(folder, "loss.png");
        plot.SavePng(path, 900, 500);
        return path;
    }

    /// <summary>How much of the past the smoothed line keeps at each step (TensorBoard's smoothing slider, 0 … 1).</summary>
    public const double Smoothing = 0.9;

    /// <summary>
    /// The exponential moving average of the losses with its start-up bias corrected (as TensorBoard's smoothed curves):
    /// s_t = β·s_{t−1} + (1 − β)·loss_t, reported as s_t / (1 − β^t), so the first point is the first loss and a constant
    /// loss stays that constant.
    /// </summary>
    public static double[] Smoothed(IReadOnlyList<float> losses, double beta)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (beta is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta), beta, "The smoothing weight is in [0, 1).");
        var smoothed = new double[losses.Count];
        double average = 0, weight = 0;
        for (int i = 0; i < losses.Count; i++)
        {
            average = beta * average + (1 - beta) * losses[i];
            weight = beta * weight + (1 - beta);
            smoothed[i] = average / weight;
        }
        return smoothed;
    }
}
