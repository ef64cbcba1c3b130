using System.Runtime.CompilerServices;
using GradGen.Generators.Lowering;

namespace GradGen.Tests.Infrastructure;

/// <summary>
/// In the test assemblies every body the generator or the analyzer takes from <see cref="BodyCache"/> is also lowered
/// again and must be equal (else the generator fails and the analyzer reports AD0001): every reuse in every test is a check.
/// </summary>
internal static class CheckedBodyCache
{
    [ModuleInitializer]
    internal static void CheckEveryReuse() => BodyCache.CheckHits = true;
}
