using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using GradGen.PackageTests.Infrastructure;
using Xunit.Abstractions;

namespace GradGen.PackageTests;

/// <summary>A fresh project that knows GradGen only through the .nupkg, built by <c>dotnet build</c> as a user would.</summary>
[Collection(PackageCollection.Name)]
public sealed partial class ConsumerBuildTests(PackageFixture package, ITestOutputHelper output)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    [GeneratedRegex(@"(?<file>[^\s\\/]+\.cs)\((?<line>\d+),(?<column>\d+)\): (?<severity>error|warning) (?<id>[A-Z]+[0-9]+):")]
    private static partial Regex DiagnosticPattern();

    [Fact]
    public async Task Consumer_builds_with_warnings_as_errors_and_runs_the_generated_backward()
    {
        var build = await Processes.RunDotnetAsync(package.GoodConsumer, BuildTimeout,
            "build", "--no-restore", "-warnaserror", "--disable-build-servers");
        output.WriteLine(build.ToString());
        Assert.True(build.ExitCode == 0, "the consumer did not build:\n" + build);
        Assert.Empty(DiagnosticPattern().Matches(build.Output));

        var run = await Processes.RunDotnetAsync(package.GoodConsumer, RunTimeout,
            Path.Combine("bin", "Debug", "net10.0", "Consumer.dll"));
        output.WriteLine(run.ToString());
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(ConsumerSources.ExpectedOutput.Split('\n'), run.Output.Trim().Split('\n').Select(l => l.TrimEnd('\r')));
    }

    [Fact]
    public async Task A_deliberate_mistake_fails_the_build_with_its_GG_diagnostic_at_file_line_column()
    {
        var build = await Processes.RunDotnetAsync(package.BrokenConsumer, BuildTimeout,
            "build", "--no-restore", "-warnaserror", "--disable-build-servers");
        output.WriteLine(build.ToString());
        Assert.NotEqual(0, build.ExitCode);

        // MSBuild repeats each error in its summary: compare the distinct set, which must hold the two GG errors and nothing else
        // (no compiler error from a missing backward, no AD0001 analyzer crash, no CS8785 generator failure).
        var diagnostics = DiagnosticPattern().Matches(build.Output)
            .Select(m => $"{m.Groups["file"].Value}({m.Groups["line"].Value},{m.Groups["column"].Value}): {m.Groups["severity"].Value} {m.Groups["id"].Value}")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(new[]
        {
            $"Broken.cs({ConsumerSources.LoopLine},{ConsumerSources.LoopColumn}): error GG0003",
            $"Broken.cs({ConsumerSources.NotPartialLine},{ConsumerSources.NotPartialColumn}): error GG0001",
        }.Order(StringComparer.Ordinal), diagnostics);

        // The positions point at the offending construct itself.
        var lines = ConsumerSources.Broken.Split('\n');
        Assert.StartsWith("switch (", lines[ConsumerSources.LoopLine - 1][(ConsumerSources.LoopColumn - 1)..]);
        Assert.StartsWith("NotPartial", lines[ConsumerSources.NotPartialLine - 1][(ConsumerSources.NotPartialColumn - 1)..]);
        Assert.Contains("a switch is not supported", build.Output);
        Assert.Contains("'NotPartial' must be declared partial", build.Output);
    }
}
