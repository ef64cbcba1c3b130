using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the shapes: what the user declared with <c>[Shape]</c> (on tensor parameters and weight members), and, once the
/// body is lowered, the contradictions <see cref="ShapeInference"/> finds, reported at the expression that holds them (GG0012).
/// </summary>
internal sealed partial class Lowerer
{
    /// <summary>The syntax each op instruction came from: where a shape contradiction is shown.</summary>
    private readonly Dictionary<int, SyntaxNode> _syntaxOf = new();

    /// <summary>The shapes declared for parameters and member reads, by instruction.</summary>
    private readonly Dictionary<int, Dim[]> _declaredShapes = new();

    /// <summary>The <c>[Shape]</c> attribute among <paramref name="attributes"/> and its text, or null.</summary>
    private static (AttributeData Attribute, string Text)? ShapeOf(ImmutableArray<AttributeData> attributes) =>
        attributes.FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Symbols.ShapeAttribute) is { ConstructorArguments.Length: 1 } attribute
        && attribute.ConstructorArguments[0].Value is string text ? (attribute, text) : null;

    /// <summary>
    /// Records the <c>[Shape]</c> of a tensor parameter or member (a symbol names one length throughout the method: a Block
    /// member's <c>C</c> is the parameter's <c>C</c>); a text that is not a shape is GG0012 at the attribute.
    /// </summary>
    private void DeclareShape(int id, ISymbol symbol)
    {
        if (id < 0 || _instructions[id].Type.Kind != ValueKind.Tensor || ShapeOf(symbol.GetAttributes()) is not { } declaration) return;
        var (attribute, text) = declaration;
        if (Dim.ParseShape(text, "") is { } shape)
        {
            _declaredShapes[id] = shape;
        }
        else if (attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) is { } syntax && _compilation.ContainsSyntaxTree(syntax.SyntaxTree))
        {
            Reject(RejectionKind.ShapeMismatch, syntax, "[Shape(\"" + text + "\")] is not a shape (comma-separated lengths: 784, B, 4*C, or ? for a length that varies)");
        }
    }

    /// <summary>What a called method declares: its parameters' and its result's <c>[Shape]</c>s, by call instruction.</summary>
    private readonly Dictionary<int, CallShapes> _callShapes = new();

    /// <summary>
    /// Records a callee's declared shapes (declarations, not its body: lowering never reads another body), its symbols
    /// scoped to the call so that they are matched against the arguments, not confused with this method's.
    /// </summary>
    private void DeclareCallShapes(int call, IMethodSymbol callee, int firstArgument)
    {
        if (call < 0) return;
        var scope = callee.Name + "#" + call.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".";
        Dim[]? Declared(ImmutableArray<AttributeData> attributes) => ShapeOf(attributes) is { } declaration ? Dim.ParseShape(declaration.Text, scope) : null;
        var parameters = new Dim[]?[firstArgument + callee.Parameters.Length];
        var lengths = new string?[parameters.Length];
        for (var k = 0; k < callee.Parameters.Length; k++)
        {
            parameters[firstArgument + k] = Declared(callee.Parameters[k].GetAttributes());
            if (callee.Parameters[k].Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64) lengths[firstArgument + k] = scope + callee.Parameters[k].Name;
        }
        var result = Declared(callee.GetReturnTypeAttributes());
        if (parameters.Any(p => p is not null) || result is not null) _callShapes[call] = new CallShapes(parameters, lengths, result);
    }

    /// <summary>Reports, at the expression, every place where shapes certainly cannot agree.</summary>
    private void CheckShapes()
    {
        var model = BuildModel();
        var (shapes, problems) = ShapeInference.Run(model, _declaredShapes, _callShapes);
        foreach (var (instruction, message) in problems)
        {
            if (_syntaxOf.TryGetValue(instruction, out var syntax)) Reject(RejectionKind.ShapeMismatch, syntax, message);
        }
        // The method's own result against its [return: Shape].
        if (_rejections.Count == 0 && shapes[_result] is { } result
            && ShapeOf(_method.GetReturnTypeAttributes()) is { } returned && Dim.ParseShape(returned.Text, "") is { } declared
            && (declared.Length != result.Length || declared.Zip(result, (d, r) => Dim.CertainlyDifferent(d, r)).Any(differ => differ)))
        {
            var at = _syntaxOf.TryGetValue(_result, out var syntax) ? syntax.GetLocation() : _method.Locations.FirstOrDefault() ?? Location.None;
            Reject(RejectionKind.ShapeMismatch, at, "the result is " + Dim.Show(result) + ", but [return: Shape] declares " + Dim.Show(declared));
        }
        // The shapes become facts of the model, for what people read (the generated code's rule comments), and the declared
        // parameter shapes what the generated forward checks on entry.
        if (_rejections.Count == 0 && shapes.Any(s => s is not null))
        {
            _model = model with
            {
                Instructions = model.Instructions.Select(i => shapes[i.Id] is { } shape && shape.Any(d => d.Known) ? i with { Shape = Dim.Show(shape) } : i).ToEquatableArray(),
                ShapeChecks = ShapeChecks(model).ToEquatableArray(),
            };
        }
    }

    /// <summary>
    /// The entry checks of the declared parameter shapes: a literal length is compared, a symbol is bound by the first
    /// parameter that has it (or is an int parameter's value) and compared in the later ones.
    /// </summary>
    private List<ShapeRequirement> ShapeChecks(MethodModel model)
    {
        var taken = new HashSet<string>(_reserved.Concat(model.Parameters.Select(p => p.Name)).Concat(model.Instructions.Select(i => i.Name)));
        var bound = new Dictionary<string, string>();
        foreach (var parameter in model.Parameters.Where(p => p.Type.TypeName is "int" or "long")) bound[parameter.Name.TrimStart('@')] = "(nint)" + parameter.Name;
        // A symbol is bound only when a later parameter compares against it.
        var uses = _declaredShapes.Where(d => _parameters.Contains(d.Key)).SelectMany(d => d.Value).Where(d => d.Symbol is not null).GroupBy(d => d.Symbol!).ToDictionary(g => g.Key, g => g.Count());
        var checks = new List<ShapeRequirement>();
        for (var p = 0; p < model.Parameters.Count; p++)
        {
            if (!_declaredShapes.TryGetValue(_parameters[p], out var shape)) continue;
            var expected = new List<string>();
            var binds = new List<string>();
            foreach (var dim in shape)
            {
                var bind = "";
                if (!dim.Known) expected.Add("-1");
                else if (dim.Symbol is null) expected.Add(dim.Factor.ToString(System.Globalization.CultureInfo.InvariantCulture));
                else if (bound.TryGetValue(dim.Symbol, out var length)) expected.Add(dim.Factor == 1 ? length : dim.Factor.ToString(System.Globalization.CultureInfo.InvariantCulture) + " * " + length);
                else
                {
                    expected.Add("-1");
                    if (dim.Factor == 1 && uses[dim.Symbol] > 1)
                    {
                        bind = Naming.Unique("shape" + dim.Symbol, taken);
                        bound[dim.Symbol] = bind;
                    }
                }
                binds.Add(bind);
            }
            checks.Add(new ShapeRequirement(model.Parameters[p].Name, Dim.Show(shape), expected.ToEquatableArray(), binds.ToEquatableArray()));
        }
        return checks;
    }
}
