using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Diagnostics;

/// <summary>
/// The human wording of Lower's rejections: the message arguments that follow the method's name in the descriptors of
/// <see cref="DiagnosticDescriptors"/> (what is not supported, and the way out). Lower decides; this says it.
/// </summary>
internal static class RejectionText
{
    // ── the declaration (GG0007 unless noted) ──────────────────────────────────────────────

    public const string NotAnOrdinaryMethod = "only ordinary methods declared in source can be [Differentiable] (not local functions, lambdas, accessors, operators or constructors)";

    public const string PartialMethod = "partial methods cannot be [Differentiable]; make it an ordinary method";

    public const string NoBody = "a method without a body (abstract, extern or a partial definition) has nothing to differentiate";

    public const string ExtensionBlock = "members of extension blocks cannot be [Differentiable]; declare it as an ordinary static method";

    public const string GenericMethod = "generic methods are not supported (GradGen differentiates float, double, Tensor<float> and Tensor<double>, not a type parameter such as a T : INumber<T>); write one method per element type";

    public const string NoDifferentiableParameter = "it has no differentiable parameter (supported: " + Model.Naming.SupportedTypes + ", without [NoGradient])";

    /// <summary>GG0007 when a parameter is a struct that holds tensors: the way out is a class or record.</summary>
    public static string NoDifferentiableParameterStruct(string structName) =>
        "it has no differentiable parameter: '" + structName + "' holds tensors but is a struct, and a struct cannot be a weight object (it is copied, so its gradient could not be handed back): make '" + structName + "' a class or record";

    /// <summary>A struct holding tensors (directly or in arrays): a weight object had it been a class or record.</summary>
    public static bool IsStructOfWeights(ITypeSymbol? type) =>
        type is INamedTypeSymbol { TypeKind: TypeKind.Struct, SpecialType: SpecialType.None } named && !Lowering.Symbols.IsTensorType(named)
        && named.GetMembers().Any(m => !m.IsStatic && (m is IFieldSymbol { IsImplicitlyDeclared: false } f ? HoldsTensor(f.Type) : m is IPropertySymbol p && HoldsTensor(p.Type)));

    private static bool HoldsTensor(ITypeSymbol type) =>
        type is INamedTypeSymbol named && Lowering.Symbols.IsTensorType(named) || type is IArrayTypeSymbol { ElementType: INamedTypeSymbol element } && Lowering.Symbols.IsTensorType(element);

    /// <summary>GG0003.</summary>
    public const string AsyncMethod = "an async method (await)";

    /// <summary>The name a diagnostic gives a [Differentiable] lambda, which has none of its own.</summary>
    public static string Lambda(string? containing) => string.IsNullOrEmpty(containing) ? "(lambda)" : "(lambda in " + containing + ")";

    /// <summary>The name a diagnostic gives a [Differentiable] local function.</summary>
    public static string LocalFunction(string name) => name + " (a local function)";

    public static string FileLocalType(string type) =>
        "its type '" + type + "' is file-local, so the generated backward (in another file) could not join it";

    /// <summary>GG0002.</summary>
    public static string OverloadClash(string method) =>
        method + "Backward (another [Differentiable] overload of '" + method + "' generates it too)";

    public static string ReturnType(string type) =>
        "the return type '" + type + "' is not differentiable (supported: " + Model.Naming.SupportedTypes + ")";

    public static string ByReferenceParameter(string parameter, string modifiers) =>
        "parameter '" + parameter + "' is passed by reference ('" + modifiers + "'); ref, out and in parameters are not supported: pass it by value and return results instead";

    // ── statements and expressions (GG0003 unless noted) ──────────────────────────────────────

    public const string NoReturn = "a method that does not end in a return statement";


    public const string LocalWithoutInitializer = "a local variable without an initializer";

    public const string ParamsOrByReferenceArgument = "a params or by-reference argument";

    public const string LoopForm = "this form of loop (write 'for (int i = lo; i < hi; i++)', 'while (condition)' or 'do … while (condition)')";

    /// <summary>GG0003: a break or continue elsewhere than where <c>Lowerer.Jump</c> takes it.</summary>
    public static string JumpForm(string jump) => "'" + jump + "' here (write it as a statement of the loop's body, or as 'if (condition) " + jump + ";' there, also 'if (condition) { …; " + jump + "; }')";

    public const string ForEachForm = "foreach over something other than an array or a List/IReadOnlyList (loop over an array or list of tensors or of layers, or use 'for (int i = 0; i < n; i++)')";

    public const string ReturnInLoop = "a return statement inside a loop (assign the value to a local declared before the loop, 'break', and return after the loop)";

    public const string TooManyReturnPaths = "early returns that make GradGen copy the rest of the method onto too many paths (an if that returns on only some of its paths has the code after it copied into both of its branches; return on every path of such an if, or join the conditions: if (a && b) return x;)";

    public static string ReturnsNestedTooDeep(int limit) => "more than " + limit + " early returns on one path (each nests the rest of the method one level deeper; assign the value to a local and return once)";

    /// <summary>A value that depends on differentiated inputs at an operand its op does not differentiate (LayerNorm's eps).</summary>
    public static string DroppedGradient(string op, string parameter, SyntaxNode? argument) =>
        (argument is null ? "a value" : "'" + argument + "'") + " as the " + parameter + " of Ops." + op + " (it depends on differentiated inputs, but " + op +
        " is not differentiated with respect to its " + parameter + ", so the gradient through it would be lost; pass a value that does not depend on differentiated inputs, such as a constant or a [NoGradient] parameter)";

    public static string LoopIndexAssigned(string index) => "assigning the loop index '" + index + "' inside the loop body";

    /// <summary>GG0006: a write into an array of tensors created in the method that may not be the element's only one.</summary>
    public static string StoreNotOnce(string array) =>
        "an element of '" + array + "' that may be written more than once (an array of tensors created in the method is filled once per element: at distinct constant indices, or as 'for (int h = 0; h < n; h++) " + array + "[h] = …;' with the array created outside that loop)";

    public static string ContainerCarried(string local) => "reassigning '" + local + "', an array of tensors, inside a loop";

    /// <summary>GG0003: a <c>?:</c> that chooses a weight object or an array of tensors.</summary>
    public static string ContainerConditional(SyntaxNode syntax) =>
        "the conditional expression '" + syntax + "', which chooses a weight object or an array of tensors (choose the tensors instead — `var w = useA ? A.W : B.W;` — or call the method in both branches of an if)";

    /// <summary>GG0005: a loop bound that is a differentiated value.</summary>
    public static string DifferentiatedLoopBound(SyntaxNode bound) => "the loop bound '" + bound + "' (a differentiated value; the number of iterations must not depend on what is differentiated)";

    public static string UnsoundWeightMember(string member, string type, string problem) =>
        "reading '" + member + "' of the weight type '" + type + "': " + problem;

    public static string ScalarWeightMember(string member, string type, string problem) =>
        "reading the scalar '" + member + "' of the weight type '" + type + "', " + problem + " (a float or double member is learned: the pullback adds its gradient into the gradient object's '"
        + member + "' and an optimizer assigns the model's, so it must be a field that is not readonly or a { get; set; } auto-property; mark a constant [NoGradient])";

    public static string ThisNotAWeightObject(string type, bool isStruct) => isStruct
        ? "'this' of the struct '" + type + "' (a struct is copied, so its gradient would be added into a copy: make '" + type + "' a class or record to differentiate with respect to its tensors, or pass them as parameters)"
        : "'this' of '" + type + "', which holds no tensor (pass the values as parameters)";

    public static string PassiveExpression(SyntaxNode syntax) => "the expression '" + syntax + "' (only integer, boolean and shape arithmetic is supported on values that are not differentiated)";

    public static string BlocksTooDeep(int limit) => "blocks nested more than " + limit + " levels deep";

    public static string SyntaxTooDeep(int limit) =>
        "code nested more than " + limit + " syntax levels deep (GradGen stops there so the compiler cannot run out of stack; split it into local variables or smaller [Differentiable] methods)";

    public static string ExpressionTooDeep(int limit) => "an expression nested more than " + limit + " levels deep (split it into local variables)";

    public static string CouldNotAnalyse(Exception e) => "this method (GradGen could not analyse it: " + e.GetType().Name + ")";

    public static string LocalWithoutValue(string local) => "reading local '" + local + "' where it has no value GradGen can follow";

    public static string AssignmentTo(SyntaxNode target) => "an assignment to " + target;

    public static string OperandTypes(SyntaxNode syntax) => "'" + syntax + "' with these operand types";

    public static string Operator(SyntaxNode syntax) => "the operator in '" + syntax + "'";

    public static string Conversion(SyntaxNode syntax) => "the conversion '" + syntax + "'";

    public static string NotAnOp(IMethodSymbol method) => "'Ops." + method.Name + "' (it is not a differentiable op)";

    public static string TapeNotAccessible(string callee, string type) =>
        "a call to '" + callee + "', whose generated tape is declared inside '" + type + "' (private, protected or private protected) and so cannot be recorded in this method's tape (declare this method inside '" + type + "', or make '" + type + "' internal)";

    public static string CallAcrossAssemblies(string callee) =>
        "a call to '" + callee + "', a [Differentiable] method of another assembly that has no backward this method can use there (its own project rejected it, or its generated members are not accessible from here; fix it there, or pass its result in as a [NoGradient] parameter)";

    /// <summary>GG0003: a call dispatched at run time, which an override may answer with another body.</summary>
    public static string VirtualCall(string callee, string type) =>
        "a call to '" + callee + "', which is virtual: an override in a type derived from '" + type + "' may replace the body GradGen differentiates (make '" + callee
        + "' non-virtual or sealed, seal the type, or move the shared math into a non-virtual [Differentiable] method that the overrides call)";

    public static string UnchainableCall(string callee, bool generic) =>
        "a call to '" + callee + "' " + (generic ? "(a generic method)" : "on another instance (only static methods, methods of this instance, and methods of weight types — classes or records holding tensors — can be chained)");

    /// <summary>GG0005: a conversion that drops the derivative.</summary>
    public static string LossyConversion(SyntaxNode syntax, ITypeSymbol? target) => "the conversion '" + syntax + "' to " + target?.ToDisplayString();

    /// <summary>GG0005: a remainder or a comparison of differentiable values.</summary>
    public static string PiecewiseOperator(bool remainder, SyntaxNode syntax) => "the " + (remainder ? "remainder" : "comparison") + " '" + syntax + "'";

    /// <summary>GG0005: Math.Floor and the like.</summary>
    public static string PiecewiseMethod(IMethodSymbol method) => "'" + method.ContainingType.Name + "." + method.Name + "'";

    /// <summary>GG0004's way out, after the callee's name.</summary>
    public static string NotDifferentiableCallWayOut(IMethodSymbol method, string? opsEquivalent = null) => method.MethodKind == MethodKind.DelegateInvoke
        ? "call a [Differentiable] method directly instead of through a delegate"
        : method.MethodKind == MethodKind.LocalFunction
            ? "a local function cannot be [Differentiable]: make it a private static method of the type and mark that [Differentiable]"
        : opsEquivalent is not null
            ? "use " + opsEquivalent + ", its differentiable equivalent"
        : method.DeclaringSyntaxReferences.Length > 0
            ? "mark it [Differentiable] if its body is differentiable, or compute its result outside and pass it in as a [NoGradient] parameter"
            : "compute its result outside and pass it in as a [NoGradient] parameter, or write it with GradGen ops in a [Differentiable] method";

    /// <summary>GG0008: the chain of calls that leads back to the method.</summary>
    public static string Cycle(IEnumerable<string> methods) => string.Join(" → ", methods);

    /// <summary>GG0006: what an assignment or increment mutates.</summary>
    public static string DescribeTarget(IOperation target) => target switch
    {
        IParameterReferenceOperation p => "parameter '" + p.Parameter.Name + "'",
        IArrayElementReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: true } => "an element of '" + ((target as IArrayElementReferenceOperation)?.ArrayReference ?? ((IPropertyReferenceOperation)target).Instance)?.Syntax + "'",
        IFieldReferenceOperation f => "field '" + f.Field.Name + "'",
        ILocalReferenceOperation l => "local '" + l.Local.Name + "'",
        _ => "'" + target.Syntax + "'",
    };

    /// <summary>GG0006: a C# 14 compound assignment operator that writes into its target.</summary>
    public static string InPlace(IOperation target, string rewritten) => DescribeTarget(target) + " in place, and the tensor it holds may be seen elsewhere (the caller's, a member, a view, another local): write '" + rewritten + "', which makes a new tensor";

    private static string StructMember(string member, string type) =>
        "reading '" + member + "' of the struct '" + type + "' (a struct cannot be a weight object: it is copied, so its gradient could not be handed back; make '" + type + "' a class or record)";

    /// <summary>A short human name for an unsupported operation.</summary>
    public static string Describe(IOperation operation)
    {
        if (operation is IExpressionStatementOperation statement) return Describe(statement.Operation);
        var what = operation switch
        {
            ILoopOperation => "a loop",
            IConditionalOperation { IsRef: false } c when c.Syntax is ConditionalExpressionSyntax => "a conditional expression (?:)",
            IConditionalOperation => "an if statement",
            ITryOperation => "a try statement",
            ILockOperation => "a lock statement",
            IUsingOperation => "a using statement",
            ISwitchOperation or ISwitchExpressionOperation => "a switch",
            IIsPatternOperation or IIsTypeOperation => "pattern matching",
            IAnonymousFunctionOperation or IDelegateCreationOperation => "a lambda",
            ILocalFunctionOperation => "a local function",
            IObjectCreationOperation or IArrayCreationOperation or IAnonymousObjectCreationOperation => "object creation (new)",
            IAwaitOperation => "await",
            IBranchOperation => "a goto, break or continue",
            ILabeledOperation => "a label (goto target)",
            IThrowOperation => "a throw",
            IFieldReferenceOperation { Instance: { } s } f when IsStructOfWeights(s.Type) => StructMember(f.Field.Name, s.Type!.Name),
            IPropertyReferenceOperation { Instance: { } s, Property.IsIndexer: false } p when IsStructOfWeights(s.Type) => StructMember(p.Property.Name, s.Type!.Name),
            IPropertyReferenceOperation { Property.IsIndexer: true, Instance.Type: INamedTypeSymbol tensor } when Lowering.Symbols.IsTensorType(tensor) =>
                "indexing a tensor (an element is not differentiated one by one: take a part with Ops.Slice(x, axis, start, length), and reduce it with Ops.Sum for a scalar)",
            IFieldReferenceOperation f => "reading field '" + f.Field.Name + "' (pass it as a parameter)",
            IPropertyReferenceOperation p => "reading property '" + p.Property.Name + "' (pass it as a parameter)",
            IArrayElementReferenceOperation => "element access",
            IInstanceReferenceOperation => "'this'",
            IInterpolatedStringOperation or ILiteralOperation => "a literal of type '" + operation.Type?.ToDisplayString() + "'",
            IInvalidOperation => "code that does not compile",
            _ => "'" + operation.Kind + "'",
        };
        var text = operation.Syntax.ToString();
        if (text.Length > 60) text = text.Substring(0, 57) + "...";
        return what.StartsWith("'", StringComparison.Ordinal) ? "the expression '" + text + "'" : what;
    }
}
