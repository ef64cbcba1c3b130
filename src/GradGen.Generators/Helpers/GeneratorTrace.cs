using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;

namespace GradGen.Generators.Helpers;

/// <summary>
/// Timings from inside the generator and the analyzer, for profiling them in a real IDE or build (docs/performance.md,
/// "A keystroke in csharp-ls"): set <c>GRADGEN_TRACE</c> to a file path in the environment of the process that loads
/// GradGen (the language server, or <c>dotnet build</c> with the compiler server off) and every step appends one line —
/// time, process, thread, step, milliseconds, compilation, detail. Off (the variable unset), each call is one static field test.
/// </summary>
internal static class GeneratorTrace
{
#pragma warning disable RS1035 // diagnostics only, off unless a person asks for it: reads the environment, appends to a file
    private static readonly string? FilePath = Environment.GetEnvironmentVariable("GRADGEN_TRACE") is { Length: > 0 } path ? path : null;
    private static readonly object Gate = new();
    private static readonly string ProcessId = FilePath is null ? "" : Process.GetCurrentProcess().Id.ToString(CultureInfo.InvariantCulture);

    public static bool On => FilePath is not null;

    /// <summary>A timestamp to pass to <see cref="Log"/>; 0 when tracing is off.</summary>
    public static long Start() => FilePath is null ? 0 : Stopwatch.GetTimestamp();

    /// <summary>A short id of an object (a compilation) for grouping lines: the same object gives the same id.</summary>
    public static string Id(object? value) => value is null ? "-" : RuntimeHelpers.GetHashCode(value).ToString("x8", CultureInfo.InvariantCulture);

    public static void Log(string step, long start, object? compilation, string detail = "")
    {
        if (FilePath is null) return;
        var ms = (Stopwatch.GetTimestamp() - start) * 1000.0 / Stopwatch.Frequency;
        var line = string.Join(" ",
            DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
            ProcessId,
            Environment.CurrentManagedThreadId.ToString(CultureInfo.InvariantCulture),
            step,
            ms.ToString("F2", CultureInfo.InvariantCulture),
            Id(compilation),
            detail) + "\n";
        try
        {
            lock (Gate) File.AppendAllText(FilePath, line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a trace that cannot be written must never break the compiler or the IDE
        }
    }
#pragma warning restore RS1035
}
