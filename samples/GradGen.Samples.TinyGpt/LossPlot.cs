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
        var uniform = plot.Add.HorizontalLine(Math.Log(256));
        uniform.LegendText = "uniform, ln 256";
        plot.Title("TinyGpt training loss (byte-level cross-entropy)");
        plot.XLabel("step");
        plot.YLabel("loss (nats)");
        var path = Path.Combine(folder, "loss.png");
        plot.SavePng(path, 900, 500);
        return path;
    }
}
