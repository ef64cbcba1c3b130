using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using GradGen.PackageTests.Infrastructure;
using Xunit.Abstractions;

namespace GradGen.PackageTests;

/// <summary>
/// A real language server on the package consumer: csharp-ls (Roslyn's workspace, as editors use it) loads the broken
/// consumer, runs the package's generator and analyzers, and answers pull-diagnostic and hover requests over stdio.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class LanguageServerTests(PackageFixture package, ITestOutputHelper output)
{
    /// <summary>The language server under test, a dotnet tool from the package registry (targets net10.0).</summary>
    private const string ServerPackage = "csharp-ls", ServerVersion = "0.28.0";

    /// <summary>The whole test, install included; a hung server is killed with its process tree when this runs out.</summary>
    private static readonly TimeSpan Overall = TimeSpan.FromSeconds(180);

    private const int ErrorSeverity = 1;

    [Fact]
    public async Task Csharp_ls_reports_the_GG_diagnostics_at_their_ranges_and_resolves_the_generated_backward()
    {
        var stopwatch = Stopwatch.StartNew();
        var tools = Path.Combine(package.Root, "tools");
        var install = await Processes.RunDotnetAsync(package.Root, Overall,
            "tool", "install", ServerPackage, "--version", ServerVersion, "--tool-path", tools);
        output.WriteLine(install.ToString());
        Assert.True(install.ExitCode == 0, $"could not install {ServerPackage} {ServerVersion}:\n{install}");
        using var deadline = new CancellationTokenSource(Overall - stopwatch.Elapsed);

        var consumer = package.BrokenConsumer;
        var broken = DocumentUri(Path.Combine(consumer, "Broken.cs"));
        var program = DocumentUri(Path.Combine(consumer, "Program.cs"));
        // csharp-ls runs analyzers (and so reports GG diagnostics) only when its csharp.analyzersEnabled setting is true;
        // it asks for the "csharp" section through workspace/configuration after initialization.
        var settings = new Dictionary<string, JsonNode?> { ["csharp"] = new JsonObject { ["analyzersEnabled"] = true } };
        await using var server = LspClient.Start(Path.Combine(tools, "csharp-ls"), ["--loglevel", "info"], consumer, settings);
        try
        {
            var token = deadline.Token;
            var initialize = await server.RequestAsync("initialize", new JsonObject
            {
                ["processId"] = Environment.ProcessId,
                ["rootUri"] = DocumentUri(consumer),
                ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = DocumentUri(consumer), ["name"] = "consumer" }),
                ["capabilities"] = new JsonObject
                {
                    ["workspace"] = new JsonObject { ["configuration"] = true, ["workspaceFolders"] = true },
                    ["textDocument"] = new JsonObject
                    {
                        ["diagnostic"] = new JsonObject { ["dynamicRegistration"] = false },
                        ["hover"] = new JsonObject { ["contentFormat"] = new JsonArray("plaintext", "markdown") },
                        ["synchronization"] = new JsonObject { ["dynamicRegistration"] = false },
                    },
                },
                ["initializationOptions"] = new JsonObject { ["csharp"] = settings["csharp"]!.DeepClone() },
            }, token);
            output.WriteLine($"initialized {initialize?["serverInfo"]?.ToJsonString()} after {stopwatch.Elapsed.TotalSeconds:F1} s");
            Assert.NotNull(initialize?["capabilities"]?["diagnosticProvider"]);
            await server.NotifyAsync("initialized", new JsonObject(), token);
            await Open(server, broken, ConsumerSources.Broken, token);
            await Open(server, program, ConsumerSources.Program, token);

            // The first pull waits for the project to load; analyzer results follow once the configuration is in.
            var brokenItems = await PullUntil(server, broken, "a GG diagnostic", items => items.Any(i => Code(i).StartsWith("GG", StringComparison.Ordinal)), token);
            output.WriteLine($"Broken.cs diagnostics after {stopwatch.Elapsed.TotalSeconds:F1} s:");
            foreach (var item in brokenItems) output.WriteLine("  " + Describe(item));

            var gg = brokenItems.Where(i => Code(i).StartsWith("GG", StringComparison.Ordinal)).OrderBy(i => Start(i)).ToList();
            Assert.Equal(new[] { "GG0003", "GG0001" }, gg.Select(Code));
            Assert.All(gg, i => Assert.Equal(ErrorSeverity, i["severity"]!.GetValue<int>()));
            Assert.DoesNotContain(brokenItems, i => i["severity"]?.GetValue<int>() == ErrorSeverity && !Code(i).StartsWith("GG", StringComparison.Ordinal));

            // GG0003 covers the switch statement (0-based line 10, column 8 is the build's Broken.cs(11,9)), GG0001 the type's name.
            Assert.Equal((ConsumerSources.LoopLine - 1, ConsumerSources.LoopColumn - 1), Start(gg[0]));
            var loop = TextOf(ConsumerSources.Broken, gg[0]);
            Assert.StartsWith("switch (n)", loop);
            Assert.EndsWith("{ default: y = y * x; break; }", loop);
            Assert.Contains("a switch is not supported", gg[0]["message"]!.GetValue<string>());
            Assert.Equal((ConsumerSources.NotPartialLine - 1, ConsumerSources.NotPartialColumn - 1), Start(gg[1]));
            Assert.Equal("NotPartial", TextOf(ConsumerSources.Broken, gg[1]));

            // Program.cs calls the generated EnergyBackward unqualified: with the generator running in the server's
            // compilation there is no CS0103 and no other error, and hover shows the generated method.
            var programItems = await Pull(server, program, token);
            foreach (var item in programItems) output.WriteLine("  Program.cs: " + Describe(item));
            Assert.DoesNotContain(programItems, i => Code(i) == "CS0103");
            Assert.DoesNotContain(programItems, i => i["severity"]?.GetValue<int>() == ErrorSeverity);

            var call = Find(ConsumerSources.Program, "EnergyBackward(");
            var hover = await server.RequestAsync("textDocument/hover", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = program },
                ["position"] = new JsonObject { ["line"] = call.Line, ["character"] = call.Character + 3 },
            }, token);
            var hoverText = hover?["contents"] is JsonObject contents ? contents["value"]?.GetValue<string>() : hover?["contents"]?.ToJsonString();
            output.WriteLine("hover on EnergyBackward: " + hoverText);
            Assert.NotNull(hoverText);
            Assert.Contains("Physics.EnergyBackward(", hoverText);

            // Control: the same pull does report CS0103 when a name really is missing, so its absence above means something.
            var edited = ConsumerSources.Program + "\nvar typo = EnergyBackwrd(1.0, 2.0);\n";
            await server.NotifyAsync("textDocument/didChange", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = program, ["version"] = 2 },
                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = edited }),
            }, token);
            var typo = Find(edited, "EnergyBackwrd");
            var editedItems = await PullUntil(server, program, "CS0103", items => items.Any(i => Code(i) == "CS0103"), token);
            var cs0103 = editedItems.Single(i => Code(i) == "CS0103");
            Assert.Equal((typo.Line, typo.Character), Start(cs0103));
            Assert.Equal("EnergyBackwrd", TextOf(edited, cs0103));

            // Shapes checked while typing: a GPT block whose qkv weight is declared transposed ([3*C, C] instead of [C, 3*C])
            // is a red squiggle on the product that cannot agree, the moment the edit lands.
            var shapes = ConsumerSources.Broken + ConsumerSources.TransposedWeight;
            await server.NotifyAsync("textDocument/didChange", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = broken, ["version"] = 2 },
                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = shapes }),
            }, token);
            var shapeItems = await PullUntil(server, broken, "GG0012", items => items.Any(i => Code(i) == "GG0012"), token);
            var gg0012 = shapeItems.Single(i => Code(i) == "GG0012");
            output.WriteLine("after the transposed weight: " + Describe(gg0012));
            Assert.Equal(ErrorSeverity, gg0012["severity"]!.GetValue<int>());
            Assert.Equal("Ops.MatMul(h, layer.Wqkv)", TextOf(shapes, gg0012));
            Assert.Contains("the inner dimensions C and 3*C differ", gg0012["message"]!.GetValue<string>());

            output.WriteLine($"language-server check took {stopwatch.Elapsed.TotalSeconds:F1} s");
            output.WriteLine("--- csharp-ls transcript ---\n" + server.Transcript);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n--- csharp-ls transcript ---\n{server.Transcript}\n{e.StackTrace}");
        }
        finally
        {
            await server.ShutdownAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static Task Open(LspClient server, string uri, string text, CancellationToken token) =>
        server.NotifyAsync("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "csharp", ["version"] = 1, ["text"] = text },
        }, token);

    private static async Task<List<JsonObject>> Pull(LspClient server, string uri, CancellationToken token)
    {
        var report = await server.RequestAsync("textDocument/diagnostic", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri },
        }, token);
        return report?["items"]?.AsArray().Select(i => i!.AsObject()).ToList() ?? [];
    }

    /// <summary>Pulls diagnostics until the condition holds (the project may still be loading), every second until the deadline.</summary>
    private static async Task<List<JsonObject>> PullUntil(LspClient server, string uri, string what, Func<List<JsonObject>, bool> condition, CancellationToken token)
    {
        List<JsonObject> items = [];
        try
        {
            while (true)
            {
                items = await Pull(server, uri, token);
                if (condition(items)) return items;
                await Task.Delay(TimeSpan.FromSeconds(1), token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new TimeoutException($"csharp-ls reported no {what} for {uri} within {Overall.TotalSeconds:F0} s; the last pull had: " +
                (items.Count == 0 ? "nothing" : string.Join("; ", items.Select(Describe))));
        }
    }

    private static string DocumentUri(string path) => new Uri(path).AbsoluteUri;

    private static string Code(JsonObject item) => item["code"]?.ToString() ?? "";

    private static (int Line, int Character) Start(JsonObject item) =>
        (item["range"]!["start"]!["line"]!.GetValue<int>(), item["range"]!["start"]!["character"]!.GetValue<int>());

    private static (int Line, int Character) End(JsonObject item) =>
        (item["range"]!["end"]!["line"]!.GetValue<int>(), item["range"]!["end"]!["character"]!.GetValue<int>());

    private static string Describe(JsonObject item) =>
        $"{Code(item)} {Start(item)}-{End(item)} severity {item["severity"]}: {item["message"]}";

    /// <summary>The source text an LSP range covers (the consumer files are ASCII, so UTF-16 columns are characters).</summary>
    private static string TextOf(string source, JsonObject item)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        var (startLine, startCharacter) = Start(item);
        var (endLine, endCharacter) = End(item);
        if (startLine == endLine) return lines[startLine][startCharacter..endCharacter];
        var parts = new List<string> { lines[startLine][startCharacter..] };
        for (var line = startLine + 1; line < endLine; line++) parts.Add(lines[line]);
        parts.Add(lines[endLine][..endCharacter]);
        return string.Join("\n", parts);
    }

    private static (int Line, int Character) Find(string source, string text)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        for (var line = 0; line < lines.Length; line++)
        {
            var character = lines[line].IndexOf(text, StringComparison.Ordinal);
            if (character >= 0) return (line, character);
        }
        throw new InvalidOperationException($"'{text}' is not in the source");
    }
}
