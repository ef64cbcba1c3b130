using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;

namespace GradGen.Tests.Robustness;

/// <summary>The outcome of one case run in a child process.</summary>
public sealed record CaseResult(string Name, string Status, double Seconds, string Counts, int Marked, string[] Crashes, string[] Silent, string[] Outcomes, string Detail)
{
    public const string Ok = "ok";
    /// <summary>The process died (a stack overflow, a fail-fast): <see cref="Detail"/> summarises its dying words.</summary>
    public const string ProcessDied = "process died";
    /// <summary>It neither finished nor honoured its cancellation token: the process was killed.</summary>
    public const string Hung = "hung";
    /// <summary>It honoured the cancellation at the time limit: too slow, but stoppable.</summary>
    public const string TooSlow = "cancelled at the hang guard";
    public const string Threw = "threw";
}

/// <summary>
/// Runs cases in a child process (this test assembly, started with <c>dotnet</c> and a startup hook), so that a stack
/// overflow, which no .NET code can catch, fails the case that caused it instead of killing the test host and every
/// result with it. Cases share a few children; after a death the remaining cases of that child get a new one.
/// </summary>
public static class ChildProcess
{
    public const string CasesVariable = "GRADGEN_ROBUSTNESS_CASES";
    private const string StartMarker = "@@START ";
    private const string ResultMarker = "@@RESULT ";

    /// <summary>
    /// Runs the named cases in <paramref name="processes"/> child processes side by side (cases dealt out in turn) and
    /// returns each case's result. One by default: on two cores, two children and the in-process tests slowed the big
    /// cases five-fold (Roslyn's binding of a 100,000-node expression is memory-bound).
    /// </summary>
    public static Dictionary<string, CaseResult> RunAll(IReadOnlyList<string> names, TimeSpan perCaseLimit, int processes = 1)
    {
        var shares = Enumerable.Range(0, processes).Select(p => names.Where((_, i) => i % processes == p).ToList()).Where(s => s.Count > 0).ToList();
        var results = shares.Select(_ => new Dictionary<string, CaseResult>()).ToList();
        var threads = shares.Select((share, p) => new Thread(() =>
        {
            var pending = share;
            while (pending.Count > 0)
            {
                RunChild(pending, perCaseLimit, results[p]);
                pending = pending.Where(n => !results[p].ContainsKey(n)).ToList();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results.SelectMany(r => r).ToDictionary(r => r.Key, r => r.Value);
    }

    private static void RunChild(List<string> names, TimeSpan perCaseLimit, Dictionary<string, CaseResult> results)
    {
        var assembly = typeof(ChildProcess).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost(), "exec \"" + assembly + "\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
        start.Environment[CasesVariable] = string.Join("\n", names);
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        // 256 MiB (hexadecimal) for every thread the runtime starts itself (the thread pool): Roslyn's analyzer driver may
        // move work there, and its binder recurses once per nesting level. The cases' own threads keep the stack they ask for.
        start.Environment["DOTNET_DefaultStackSize"] = "10000000";

        using var process = new Process { StartInfo = start };
        var lines = new BlockingCollection<string>();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) if (stderr.Length < 4_000_000) stderr.AppendLine(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        string? current = null;
        var started = Stopwatch.StartNew();
        // Startup and JIT come before the first case; then each case has its limit plus time to notice the cancellation.
        var silence = perCaseLimit + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (lines.TryTake(out var line, TimeSpan.FromMilliseconds(200)))
            {
                if (line.StartsWith(StartMarker, StringComparison.Ordinal))
                {
                    current = line.Substring(StartMarker.Length);
                    started.Restart();
                }
                else if (line.StartsWith(ResultMarker, StringComparison.Ordinal))
                {
                    var result = JsonSerializer.Deserialize<CaseResult>(line.Substring(ResultMarker.Length))!;
                    results[result.Name] = result;
                    current = null;
                    started.Restart();
                }
                continue;
            }
            if (process.HasExited)
            {
                process.WaitForExit();
                while (lines.TryTake(out var rest)) if (rest.StartsWith(ResultMarker, StringComparison.Ordinal)) { var r = JsonSerializer.Deserialize<CaseResult>(rest.Substring(ResultMarker.Length))!; results[r.Name] = r; }
                var dying = Summarise(stderr.ToString());
                var victim = current ?? names.FirstOrDefault(n => !results.ContainsKey(n));
                if (victim is not null && !results.ContainsKey(victim))
                {
                    results[victim] = new CaseResult(victim, CaseResult.ProcessDied, started.Elapsed.TotalSeconds, "", 0, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(),
                        "the child process exited with code " + process.ExitCode + " while running this case:\n" + dying);
                }
                return;
            }
            if (started.Elapsed > silence)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.WaitForExit();
                var victim = current ?? names.First(n => !results.ContainsKey(n));
                results[victim] = new CaseResult(victim, CaseResult.Hung, started.Elapsed.TotalSeconds, "", 0, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(),
                    "no answer " + started.Elapsed.TotalSeconds.ToString("F0") + " s after it started, although it was cancelled after " + perCaseLimit.TotalSeconds + " s: killed");
                return;
            }
        }
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet") return path;
        return "dotnet";
    }

    /// <summary>The first line of what a dying runtime printed, and its most repeated frames (a stack overflow prints thousands).</summary>
    public static string Summarise(string stderr)
    {
        var lines = stderr.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var head = lines.FirstOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("at ", StringComparison.Ordinal)) ?? "(nothing on stderr)";
        var frames = lines.Select(l => l.Trim()).Where(l => l.StartsWith("at ", StringComparison.Ordinal))
            .Select(l => Regex.Replace(l, @"\(.*$", ""))
            .ToList();
        var repeats = Regex.Matches(stderr, @"Repeat (\d+) times:").Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var top = frames.GroupBy(f => f).OrderByDescending(g => g.Count()).Take(10).Select(g => $"    {g.Count(),6} × {g.Key}");
        return head + (repeats > 0 ? " (the runtime folded " + repeats + " repeated frames)" : "") + "\n  innermost frames:\n" +
            string.Join("\n", frames.Take(8).Select(f => "    " + f)) + "\n  most frequent frames:\n" + string.Join("\n", top);
    }

    // ── the child side ──

    /// <summary>Runs in the child: each case, one result line each, then exits.</summary>
    internal static void ChildMain(string cases)
    {
        var output = Console.Out;
        foreach (var name in cases.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            output.WriteLine(StartMarker + name);
            output.Flush();
            var result = ScaleTests.RunCase(name);
            output.WriteLine(ResultMarker + JsonSerializer.Serialize(result));
            output.Flush();
        }
    }
}
