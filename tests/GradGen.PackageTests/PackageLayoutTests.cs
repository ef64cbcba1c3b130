using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using GradGen.PackageTests.Infrastructure;
using Xunit.Abstractions;

namespace GradGen.PackageTests;

/// <summary>What <c>dotnet pack</c> puts into GradGen.&lt;version&gt;.nupkg.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackageFixture package, ITestOutputHelper output)
{
    /// <summary>NuGet's own bookkeeping entries, present in every package.</summary>
    private static bool IsPackagingMetadata(string entry) =>
        entry is "[Content_Types].xml" or "_rels/.rels" || entry.StartsWith("package/services/metadata/", StringComparison.Ordinal);

    [Fact]
    public void Package_holds_the_runtime_for_both_frameworks_and_the_generator_and_code_fixes_as_analyzers()
    {
        output.WriteLine($"dotnet pack took {package.PackTime.TotalSeconds:F1} s");
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var entries = zip.Entries.Select(e => e.FullName).Where(e => !IsPackagingMetadata(e)).Order(StringComparer.Ordinal).ToList();
        foreach (var entry in entries) output.WriteLine(entry);

        var expected = new List<string>
        {
            "GradGen.nuspec",
            "README.md",
            "analyzers/dotnet/cs/GradGen.Generators.dll",
            "lib/net10.0/GradGen.dll",
            "lib/net10.0/GradGen.xml",
            "lib/net8.0/GradGen.dll",
            "lib/net8.0/GradGen.xml",
        };
        if (package.HasCodeFixes) expected.Add("analyzers/dotnet/cs/GradGen.CodeFixes.dll");
        Assert.Equal(expected.Order(StringComparer.Ordinal), entries);
    }

    [Fact]
    public void Nuspec_has_id_version_licence_expression_readme_and_only_the_tensor_dependency()
    {
        using var zip = ZipFile.OpenRead(package.PackagePath);
        XDocument nuspec;
        using (var stream = zip.GetEntry("GradGen.nuspec")!.Open()) nuspec = XDocument.Load(stream);
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

        Assert.Equal("GradGen", Value("id"));
        Assert.Equal(package.Version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("expression", metadata.Elements().Single(e => e.Name.LocalName == "license").Attribute("type")?.Value);
        Assert.Equal("README.md", Value("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        Assert.Contains("source-generator", Value("tags").Split(' '));

        // The generator and code-fix projects are packed as analyzers, never as package dependencies.
        var groups = metadata.Descendants().Where(e => e.Name.LocalName == "group").ToList();
        Assert.Equal(new[] { "net10.0", "net8.0" }, groups.Select(g => g.Attribute("targetFramework")!.Value).Order(StringComparer.Ordinal));
        foreach (var group in groups)
        {
            var dependencies = group.Elements().Select(d => d.Attribute("id")!.Value).ToList();
            Assert.Equal(new[] { "System.Numerics.Tensors" }, dependencies);
        }

        // The packed README is the repository's.
        using var reader = new StreamReader(zip.GetEntry("README.md")!.Open());
        Assert.Equal(File.ReadAllText(Path.Combine(package.RepositoryRoot, "README.md")), reader.ReadToEnd());
    }

    [Fact]
    public void Generator_is_compiled_against_Roslyn_4_8_for_netstandard2_0()
    {
        using var zip = ZipFile.OpenRead(package.PackagePath);
        var generator = References(zip, "analyzers/dotnet/cs/GradGen.Generators.dll");
        foreach (var (name, version) in generator) output.WriteLine($"GradGen.Generators -> {name} {version}");

        // Roslyn 4.8 is the floor that loads in the .NET 8 SDK and Visual Studio 17.8; a newer reference stops the
        // generator from loading at all in older compilers.
        Assert.Equal(new Version(4, 8, 0, 0), generator["Microsoft.CodeAnalysis"]);
        Assert.Equal(new Version(4, 8, 0, 0), generator["Microsoft.CodeAnalysis.CSharp"]);
        Assert.Equal(new Version(2, 0, 0, 0), generator["netstandard"]);
        Assert.DoesNotContain(generator.Keys, name => name.StartsWith("Microsoft.CodeAnalysis.Workspaces", StringComparison.Ordinal) ||
                                                      name.StartsWith("Microsoft.CodeAnalysis.CSharp.Workspaces", StringComparison.Ordinal));

        if (package.HasCodeFixes)
        {
            var codeFixes = References(zip, "analyzers/dotnet/cs/GradGen.CodeFixes.dll");
            foreach (var (name, version) in codeFixes) output.WriteLine($"GradGen.CodeFixes -> {name} {version}");
            Assert.Equal(new Version(2, 0, 0, 0), codeFixes["netstandard"]);
            Assert.All(codeFixes.Where(r => r.Key.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)),
                r => Assert.True(r.Value <= new Version(4, 8, 0, 0), $"{r.Key} {r.Value} is newer than Roslyn 4.8"));
        }
    }

    [Theory]
    [InlineData("net8.0", ".NETCoreApp,Version=v8.0")]
    [InlineData("net10.0", ".NETCoreApp,Version=v10.0")]
    public void Runtime_library_targets_its_framework(string folder, string targetFramework)
    {
        using var zip = ZipFile.OpenRead(package.PackagePath);
        using var pe = new PEReader(ReadEntry(zip, $"lib/{folder}/GradGen.dll"));
        var metadata = pe.GetMetadataReader();
        var attribute = metadata.GetAssemblyDefinition().GetCustomAttributes()
            .Select(metadata.GetCustomAttribute)
            .Single(a => AttributeTypeName(metadata, a) == "System.Runtime.Versioning.TargetFrameworkAttribute");
        var value = metadata.GetBlobReader(attribute.Value);
        value.ReadUInt16(); // prolog
        Assert.Equal(targetFramework, value.ReadSerializedString());
        Assert.Equal("GradGen", metadata.GetString(metadata.GetAssemblyDefinition().Name));
    }

    private static Dictionary<string, Version> References(ZipArchive zip, string entry)
    {
        using var pe = new PEReader(ReadEntry(zip, entry));
        var metadata = pe.GetMetadataReader();
        return metadata.AssemblyReferences.Select(metadata.GetAssemblyReference)
            .ToDictionary(r => metadata.GetString(r.Name), r => r.Version);
    }

    private static MemoryStream ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new Xunit.Sdk.XunitException($"{name} is not in the package");
        var memory = new MemoryStream();
        using (var stream = entry.Open()) stream.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }

    private static string AttributeTypeName(MetadataReader metadata, CustomAttribute attribute)
    {
        if (attribute.Constructor.Kind != HandleKind.MemberReference) return "";
        var parent = metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
        if (parent.Kind != HandleKind.TypeReference) return "";
        var type = metadata.GetTypeReference((TypeReferenceHandle)parent);
        return metadata.GetString(type.Namespace) + "." + metadata.GetString(type.Name);
    }
}
