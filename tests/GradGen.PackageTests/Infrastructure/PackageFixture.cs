using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using System.Xml.Linq;

namespace GradGen.PackageTests.Infrastructure;

/// <summary>The tests that run dotnet processes: one at a time, sharing one packed package.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Package";
}

/// <summary>
/// Packs GradGen once for the collection and lays out two restored consumer projects beside the package:
/// <c>good</c> (calls the generated backward passes) and <c>broken</c> (the same plus a file with two deliberate mistakes).
/// </summary>
/// <remarks>
/// Everything lives in one temporary folder that is deleted at the end: a copy of the repository's top-level files and
/// <c>src/</c> (no bin/obj, as in a fresh clone, so packing never writes into the shared working tree), the folder feed the
/// package is packed into, and the consumers' own NuGet package folder. The package version is unique per run, so a
/// GradGen package cached by an earlier run can never be picked up.
/// </remarks>
public sealed class PackageFixture : IAsyncLifetime
{
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan RestoreTimeout = TimeSpan.FromMinutes(2);

    public string RepositoryRoot { get; } = FindRepositoryRoot();
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "gradgen-package-tests-" + Guid.NewGuid().ToString("N")[..12]);
    public string Feed => Path.Combine(Root, "feed");
    public string GoodConsumer => Path.Combine(Root, "good");
    public string BrokenConsumer => Path.Combine(Root, "broken");
    public string Version { get; private set; } = "";
    public string PackagePath => Path.Combine(Feed, $"GradGen.{Version}.nupkg");
    public ProcessResult Pack { get; private set; } = null!;
    public TimeSpan PackTime { get; private set; }

    /// <summary>Whether the code-fix project exists in this checkout (its dll is then expected in the package).</summary>
    public bool HasCodeFixes => File.Exists(Path.Combine(RepositoryRoot, "src", "GradGen.CodeFixes", "GradGen.CodeFixes.csproj"));

    public async Task InitializeAsync()
    {
        try
        {
            await PackAndRestoreAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task PackAndRestoreAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var source = Path.Combine(Root, "repo");
        CopyRepository(RepositoryRoot, source);

        var baseVersion = XDocument.Load(Path.Combine(RepositoryRoot, "Directory.Build.props")).Descendants("VersionPrefix").FirstOrDefault()?.Value ?? "0.1.0";
        Version = $"{baseVersion}-pkgtest.g{Guid.NewGuid():N}";

        Pack = await Processes.RunDotnetAsync(source, PackTimeout,
            "pack", Path.Combine("src", "GradGen", "GradGen.csproj"), "-c", "Release", "-o", Feed, "-p:Version=" + Version, "--disable-build-servers");
        if (Pack.ExitCode != 0 || !File.Exists(PackagePath))
            throw new InvalidOperationException("dotnet pack failed:\n" + Pack);
        PackTime = stopwatch.Elapsed;

        WriteConsumer(GoodConsumer, withMistakes: false);
        WriteConsumer(BrokenConsumer, withMistakes: true);
        foreach (var consumer in new[] { GoodConsumer, BrokenConsumer })
        {
            var restore = await Processes.RunDotnetAsync(consumer, RestoreTimeout, "restore", "--disable-build-servers");
            if (restore.ExitCode != 0)
                throw new InvalidOperationException("restoring the consumer against the package failed:\n" + restore);
        }
    }

    public Task DisposeAsync()
    {
        for (var attempt = 0; attempt < 5 && Directory.Exists(Root); attempt++)
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { System.Threading.Thread.Sleep(500); }
            catch (UnauthorizedAccessException) { System.Threading.Thread.Sleep(500); }
        }
        return Task.CompletedTask;
    }

    private void WriteConsumer(string directory, bool withMistakes)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), ConsumerSources.EmptyMSBuildFile);
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), ConsumerSources.EmptyMSBuildFile);
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), ConsumerSources.ProjectFile.Replace("{0}", Version));

        // The machine's package folder (where the solution's restore already put System.Numerics.Tensors) as a fallback.
        var machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var fallback = Directory.Exists(machinePackages)
            ? $"  <fallbackPackageFolders>\n    <add key=\"machine\" value=\"{machinePackages}\" />\n  </fallbackPackageFolders>\n"
            : "";
        File.WriteAllText(Path.Combine(directory, "nuget.config"), ConsumerSources.NuGetConfig
            .Replace("{0}", Feed).Replace("{1}", Path.Combine(Root, "packages")).Replace("{2}", fallback));

        File.WriteAllText(Path.Combine(directory, "Model.cs"), ConsumerSources.Model);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), ConsumerSources.Program);
        if (withMistakes) File.WriteAllText(Path.Combine(directory, "Broken.cs"), ConsumerSources.Broken);
    }

    /// <summary>Copies the top-level files and <c>src/</c> without build output, as a fresh clone would have them.</summary>
    private static void CopyRepository(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        CopyTree(Path.Combine(from, "src"), Path.Combine(to, "src"));
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name is "bin" or "obj" || name.StartsWith('.')) continue;
            CopyTree(directory, Path.Combine(to, name));
        }
    }

    /// <summary>The folder of GradGen.sln above the test assembly.</summary>
    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GradGen.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("GradGen.sln not found above " + AppContext.BaseDirectory);
    }
}
