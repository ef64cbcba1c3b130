using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GradGen.PackageTests.Infrastructure;

/// <summary>The outcome of one finished process: exit code and everything it printed (stdout and stderr interleaved).</summary>
public sealed record ProcessResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    public override string ToString() => $"$ {Command}\n(exit {ExitCode} after {Elapsed.TotalSeconds:F1} s)\n{Output}";
}

/// <summary>Starts dotnet and other processes for the tests: bounded in time, and killed with their whole tree on every path.</summary>
public static class Processes
{
    /// <summary>The dotnet host that runs these tests (DOTNET_HOST_PATH is set by the SDK), else dotnet on PATH.</summary>
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// A start description with the test host's MSBuild variables removed (they describe the build that launched the tests,
    /// not the one we start) and no persistent build servers, so nothing we start outlives the test.
    /// </summary>
    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var name in new List<string>(info.Environment.Keys))
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                info.Environment.Remove(name);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        return info;
    }

    /// <summary>Runs <c>dotnet</c> with the arguments, waits at most <paramref name="timeout"/>, and kills the process tree on timeout or cancellation.</summary>
    public static Task<ProcessResult> RunDotnetAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync(Dotnet, arguments, workingDirectory, timeout);

    /// <summary>Runs a process with <paramref name="environment"/> added to its environment (and to the command shown), bounded as <see cref="RunDotnetAsync"/>.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, params (string Name, string Value)[] environment)
    {
        var command = string.Concat(environment.Select(e => $"{e.Name}={e.Value} ")) + fileName + " " + string.Join(" ", arguments);
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        var info = StartInfo(fileName, arguments, workingDirectory);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            string partial;
            lock (output) partial = output.ToString();
            throw new TimeoutException($"'{command}' did not finish within {timeout.TotalSeconds:F0} s and was killed. Output so far:\n{partial}");
        }
        finally
        {
            Kill(process);
        }
        process.WaitForExit(); // drains the asynchronous output readers
        lock (output) return new ProcessResult(command, process.ExitCode, output.ToString(), stopwatch.Elapsed);
    }

    /// <summary>Kills the process and all its descendants if it is still running; never throws.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }
}
