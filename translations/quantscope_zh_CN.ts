<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>qs::AnalysisChart</name>
    <message>
        <source>cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>cannot encode %1</source>
        <translation>无法编码 %1</translation>
    </message>
</context>
<context>
    <name>qs::Automation</name>
    <message>
        <source>node &apos;%1&apos; not found in %2</source>
        <translation>在 %2 中找不到节点“%1”</translation>
    </message>
    <message>
        <source>cannot take a screenshot of the window</source>
        <translation>无法截取窗口图像</translation>
    </message>
    <message>
        <source>cannot write screenshot %1: %2</source>
        <translation>无法写入截图 %1：%2</translation>
    </message>
    <message>
        <source>cannot encode screenshot %1</source>
        <translation>无法编码截图 %1</translation>
    </message>
</context>
<context>
    <name>qs::CalibratorComparisonChart</name>
    <message>
        <source>min-max</source>
        <translation>最小-最大值</translation>
    </message>
    <message>
        <source>KL</source>
        <translation>KL</translation>
    </message>
    <message>
        <source>MSE</source>
        <translation>MSE</translation>
    </message>
    <message>
        <source>percentile %1</source>
        <translation>百分位 %1</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>计数</translation>
    </message>
    <message>
        <source>Select a node with a calibrated output activation after a run with calibration data to compare calibrators</source>
        <translation>使用校准数据运行后，选择一个输出激活已校准的节点以比较各校准方法</translation>
    </message>
    <message>
        <source>Calibration histogram</source>
        <translation>校准直方图</translation>
    </message>
    <message>
        <source>%1: [%2, %3], MSE %4</source>
        <translation>%1：[%2, %3]，MSE %4</translation>
    </message>
    <message>
        <source>output %1 dB</source>
        <translation>输出 %1 dB</translation>
    </message>
    <message>
        <source>(current)</source>
        <translation>（当前）</translation>
    </message>
    <message>
        <source>lowest MSE: %1</source>
        <translation>MSE 最低：%1</translation>
    </message>
    <message>
        <source>best output SQNR: %1</source>
        <translation>输出 SQNR 最佳：%1</translation>
    </message>
    <message>
        <source>[%1, %2): %3 value(s)</source>
        <translation>[%1, %2)：%3 个值</translation>
    </message>
    <message>
        <source>%1: clip range [%2, %3]
quantization MSE %4, %5 % of the values clipped</source>
        <translation>%1：截断范围 [%2, %3]
量化 MSE %4，%5 % 的值被截断</translation>
    </message>
    <message>
        <source>output SQNR with this range: %1 dB</source>
        <translation>使用此范围时的输出 SQNR：%1 dB</translation>
    </message>
</context>
<context>
    <name>qs::CalibratorComparisonPanel</name>
    <message>
        <source>Log scale</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Use sets --tensor-calib %1=METHOD in the settings; the next Run calibrates this tensor with it.</source>
        <translation>“使用”会在设置中加入 --tensor-calib %1=方法；下次运行将用该方法校准此张量。</translation>
    </message>
    <message>
        <source>Use %1</source>
        <translation>使用 %1</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <source>Run with calibration data first</source>
        <translation>请先使用校准数据运行</translation>
    </message>
    <message>
        <source>This calibrator failed on the tensor</source>
        <translation>该校准方法在此张量上失败</translation>
    </message>
    <message>
        <source>The run already uses this range</source>
        <translation>本次运行已使用此范围</translation>
    </message>
    <message>
        <source>Calibrate %1 with %2 from the next Run on</source>
        <translation>从下次运行起用 %2 校准 %1</translation>
    </message>
</context>
<context>
    <name>qs::ErrorPropagationChart</name>
    <message>
        <source>Tensor (topological order)</source>
        <translation>张量（拓扑顺序）</translation>
    </message>
    <message>
        <source>SQNR against float (dB)</source>
        <translation>相对浮点的 SQNR（dB）</translation>
    </message>
    <message>
        <source>Injected share of the noise</source>
        <translation>本节点引入的噪声占比</translation>
    </message>
    <message>
        <source>Run with calibration data to see the error through the network</source>
        <translation>使用校准数据运行以查看误差在网络中的传播</translation>
    </message>
    <message>
        <source>Injected share (right axis)</source>
        <translation>本节点引入占比（右轴）</translation>
    </message>
    <message>
        <source>Total (quantized model vs float)</source>
        <translation>总误差（量化模型对比浮点）</translation>
    </message>
    <message>
        <source>Injected here</source>
        <translation>本节点引入</translation>
    </message>
    <message>
        <source>Inherited from upstream</source>
        <translation>从上游继承</translation>
    </message>
    <message numerus="yes">
        <source>Graph-wise error: %n tensor(s), %1 sample(s)</source>
        <translation>
            <numerusform>全图误差：%n 个张量，%1 个样本</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (%2 %3)
Total: %4 dB
Injected here: %5 dB
Inherited: %6 dB
Injected share: %7 %</source>
        <translation>%1（%2 %3）
总计：%4 dB
本节点引入：%5 dB
继承：%6 dB
本节点引入占比：%7 %</translation>
    </message>
    <message>
        <source>Graph-wise error at %1
total %2 dB, %3 % of the noise injected here</source>
        <translation>%1 处的全图误差
总计 %2 dB，其中 %3 % 的噪声由本节点引入</translation>
    </message>
</context>
<context>
    <name>qs::GraphView</name>
    <message>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>No match</source>
        <translation>无匹配</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>第 %1 个，共 %2 个</translation>
    </message>
    <message>
        <source>Find a node or tensor by name or op (Ctrl+F)</source>
        <translation>按名称或算子查找节点或张量 (Ctrl+F)</translation>
    </message>
    <message>
        <source>Colour:</source>
        <translation>着色：</translation>
    </message>
    <message>
        <source>By op type</source>
        <translation>按算子类型</translation>
    </message>
    <message>
        <source>By dispatch region</source>
        <translation>按调度区域</translation>
    </message>
    <message>
        <source>By bit width</source>
        <translation>按位宽</translation>
    </message>
    <message>
        <source>By output SQNR</source>
        <translation>按输出 SQNR</translation>
    </message>
    <message>
        <source>Show constants</source>
        <translation>显示常量</translation>
    </message>
    <message>
        <source>Show the constant nodes and the shape arithmetic (Shape, Gather on shapes, ...), hidden by default: they are not quantized and clutter the picture.</source>
        <translation>显示常量节点和形状运算（Shape、对形状的 Gather 等）；它们默认隐藏：不参与量化，只会让图变得杂乱。</translation>
    </message>
    <message>
        <source>By sensitivity</source>
        <translation>按敏感度</translation>
    </message>
    <message>
        <source>By outlier severity</source>
        <translation>按离群严重程度</translation>
    </message>
    <message>
        <source>By error injected vs inherited</source>
        <translation>按误差来源（引入/继承）</translation>
    </message>
</context>
<context>
    <name>qs::GuiCommandLineParser</name>
    <message>
        <source>QuantScope: see why a neural network loses accuracy when it is quantized.</source>
        <translation>QuantScope：查明神经网络量化后精度下降的原因。</translation>
    </message>
    <message>
        <source>Select node &lt;name&gt; once the model is loaded.</source>
        <translation>模型加载后选中名为 &lt;名称&gt; 的节点。</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Save a PNG picture of the whole window to &lt;file&gt; once the model is loaded.</source>
        <translation>模型加载后将整个窗口的 PNG 截图保存到 &lt;文件&gt;。</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Quit after saving the screenshot.</source>
        <translation>保存截图后退出。</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>The ONNX model to open (default: the bundled example model).</source>
        <translation>要打开的 ONNX 模型（默认为内置示例模型）。</translation>
    </message>
    <message>
        <source>[model.onnx]</source>
        <translation>[model.onnx]</translation>
    </message>
    <message>
        <source>%1: %2 (see %1 --help)</source>
        <translation>%1：%2（参见 %1 --help）</translation>
    </message>
    <message>
        <source>expected at most one model file, got %1</source>
        <translation>最多只能指定一个模型文件，实际给出了 %1 个</translation>
    </message>
    <message>
        <source>option &apos;--screenshot&apos; needs a file name</source>
        <translation>选项“--screenshot”需要一个文件名</translation>
    </message>
    <message>
        <source>option &apos;--select&apos; needs a node name</source>
        <translation>选项“--select”需要一个节点名称</translation>
    </message>
    <message>
        <source>option &apos;--quit-after-screenshot&apos; needs &apos;--screenshot FILE.png&apos;</source>
        <translation>选项“--quit-after-screenshot”需要同时指定“--screenshot FILE.png”</translation>
    </message>
    <message>
        <source>Calibration data, a .npy (samples first) or a folder of images (read with the image options last set in the window): quantize and measure once loaded.</source>
        <translation>校准数据，.npy（样本维在前）或图像文件夹（按窗口中最近设置的图像选项读取）：加载后即量化并测量。</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Quantization option, as in quantscope-cli.</source>
        <translation>量化选项，与 quantscope-cli 相同。</translation>
    </message>
    <message>
        <source>option &apos;--calib&apos; needs a file name</source>
        <translation>选项“--calib”需要一个文件名</translation>
    </message>
    <message>
        <source>Quantization option, as in quantscope-cli: NODE[,NODE...]; a comma inside a node name is written \, and a backslash \\.</source>
        <translation>量化选项，与 quantscope-cli 相同：NODE[,NODE...]；节点名中的逗号写作 \,，反斜杠写作 \\。</translation>
    </message>
</context>
<context>
    <name>qs::ImageFolder</name>
    <message>
        <source>scale &apos;%1&apos; is not a number or a fraction like 1/255</source>
        <translation>缩放 &apos;%1&apos; 不是数字，也不是 1/255 这样的分数</translation>
    </message>
    <message>
        <source>scale &apos;%1&apos; must not be zero</source>
        <translation>缩放 &apos;%1&apos; 不能为零</translation>
    </message>
    <message>
        <source>&apos;%1&apos;: expected one value or one per channel</source>
        <translation>&apos;%1&apos;：应为一个值或每个通道一个值</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is not a number</source>
        <translation>&apos;%1&apos; 不是数字</translation>
    </message>
    <message>
        <source>folder %1 does not exist</source>
        <translation>文件夹 %1 不存在</translation>
    </message>
    <message>
        <source>folder %1 is empty</source>
        <translation>文件夹 %1 是空的</translation>
    </message>
    <message numerus="yes">
        <source>folder %1 has no images: none of its %n file(s) is a PNG, JPEG, BMP or other format Qt reads</source>
        <translation>
            <numerusform>文件夹 %1 中没有图像：其 %n 个文件都不是 PNG、JPEG、BMP 或 Qt 能读取的其他格式</numerusform>
        </translation>
    </message>
    <message>
        <source>the model input is %1; a folder of images needs a 4-dimensional input (N×C×H×W or N×H×W×C)</source>
        <translation>模型输入为 %1；图像文件夹需要四维输入（N×C×H×W 或 N×H×W×C）</translation>
    </message>
    <message>
        <source>the model input %1 has %2 channels as %3; images give 1 (grayscale) or 3 (colour): check the layout</source>
        <translation>按 %3 布局，模型输入 %1 有 %2 个通道；图像只能提供 1 个（灰度）或 3 个（彩色）通道：请检查布局</translation>
    </message>
    <message>
        <source>mean and std need one value or %1 (one per channel)</source>
        <translation>均值和标准差需要一个值或 %1 个值（每个通道一个）</translation>
    </message>
    <message>
        <source>std must not be zero</source>
        <translation>标准差不能为零</translation>
    </message>
    <message>
        <source>scale must not be zero</source>
        <translation>缩放不能为零</translation>
    </message>
    <message>
        <source>the image limit must be at least 1</source>
        <translation>图像数量上限至少为 1</translation>
    </message>
    <message>
        <source>image %1 cannot be read: %2</source>
        <translation>无法读取图像 %1：%2</translation>
    </message>
    <message>
        <source>image %1 is %2×%3 but the first image is %4×%5: set a resize size</source>
        <translation>图像 %1 为 %2×%3，但第一张图像为 %4×%5：请设置缩放尺寸</translation>
    </message>
</context>
<context>
    <name>qs::InspectorWidget</name>
    <message>
        <source>Calibrators</source>
        <translation>校准方法</translation>
    </message>
    <message>
        <source>Histogram</source>
        <translation>直方图</translation>
    </message>
    <message>
        <source>Channel Ranges</source>
        <translation>通道范围</translation>
    </message>
    <message>
        <source>Sensitivity</source>
        <translation>敏感度</translation>
    </message>
    <message>
        <source>Error Propagation</source>
        <translation>误差传播</translation>
    </message>
    <message>
        <source>Mixed Bits</source>
        <translation>混合精度</translation>
    </message>
    <message>
        <source>Ranges</source>
        <comment>inspector tab</comment>
        <translation>通道范围</translation>
    </message>
    <message>
        <source>Errors</source>
        <comment>inspector tab</comment>
        <translation>误差传播</translation>
    </message>
    <message>
        <source>Bits</source>
        <comment>inspector tab</comment>
        <translation>混合精度</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Input activation</source>
        <translation>输入激活</translation>
    </message>
    <message>
        <source>Output activation</source>
        <translation>输出激活</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Reset Zoom</source>
        <translation>重置缩放</translation>
    </message>
    <message>
        <source>Wheel: zoom; drag: pan</source>
        <translation>滚轮：缩放；拖动：平移</translation>
    </message>
    <message>
        <source>No analysis yet: Run quantization with calibration data.</source>
        <translation>尚无分析：请使用校准数据运行量化。</translation>
    </message>
    <message>
        <source>%1 — no analysis yet: Run quantization with calibration data.</source>
        <translation>%1 — 尚无分析：请使用校准数据运行量化。</translation>
    </message>
    <message>
        <source>Select a node to inspect it.</source>
        <translation>选择一个节点以查看详情。</translation>
    </message>
    <message>
        <source>%1 — not a quantized weighted layer; the model-wide charts still apply.</source>
        <translation>%1 — 不是量化的带权重层；全模型图表仍然适用。</translation>
    </message>
    <message numerus="yes">
        <source>%1 (%2), %n output channel(s)</source>
        <translation>
            <numerusform>%1（%2），%n 个输出通道</numerusform>
        </translation>
    </message>
    <message>
        <source>depthwise</source>
        <translation>深度卷积</translation>
    </message>
    <message>
        <source>BN %1 merged</source>
        <translation>已合并 BN %1</translation>
    </message>
    <message>
        <source>Stale: the settings changed since this run.</source>
        <translation>已过期：此次运行后设置已更改。</translation>
    </message>
</context>
<context>
    <name>qs::MainWindow</name>
    <message>
        <source>Output SQNR %1 → %2 dB, arg-max agreement %3 → %4 %.</source>
        <translation>输出 SQNR %1 → %2 dB，arg-max 一致率 %3 → %4 %。</translation>
    </message>
    <message>
        <source>Open an ONNX model with File ▸ Open, or drop one on this window.</source>
        <translation>请通过“文件 ▸ 打开模型”打开 ONNX 模型，或将模型文件拖放到此窗口。</translation>
    </message>
    <message>
        <source>No translation is available for %1.</source>
        <translation>没有 %1 的翻译。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Model…</source>
        <translation>打开模型(&amp;O)…</translation>
    </message>
    <message>
        <source>Open an ONNX model</source>
        <translation>打开 ONNX 模型</translation>
    </message>
    <message>
        <source>Open &amp;Example Model</source>
        <translation>打开示例模型(&amp;E)</translation>
    </message>
    <message>
        <source>Open the bundled MobileNetV2-style digits model</source>
        <translation>打开内置的 MobileNetV2 风格手写数字识别模型</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation>清除列表(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Find Node…</source>
        <translation>查找节点(&amp;F)…</translation>
    </message>
    <message>
        <source>Model Summary</source>
        <translation>模型概要</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About QuantScope</source>
        <translation>关于 QuantScope(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 Qt(&amp;Q)</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Open Model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>ONNX 模型 (*.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>About QuantScope</source>
        <translation>关于 QuantScope</translation>
    </message>
    <message>
        <source>&lt;h3&gt;QuantScope %1&lt;/h3&gt;&lt;p&gt;A quantization analyzer for neural networks: open an ONNX model, quantize it, and see which layers lose accuracy and why.&lt;/p&gt;&lt;p&gt;Built with Qt %2 and QCustomPlot.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;QuantScope %1&lt;/h3&gt;&lt;p&gt;神经网络量化分析工具：打开 ONNX 模型并进行量化，查看哪些层损失了精度以及原因。&lt;/p&gt;&lt;p&gt;基于 Qt %2 和 QCustomPlot 构建。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;%1 %2</source>
        <translation>&amp;%1 %2</translation>
    </message>
    <message>
        <source>QuantScope</source>
        <translation>QuantScope</translation>
    </message>
    <message>
        <source>%1 (example) — QuantScope</source>
        <translation>%1（示例）— QuantScope</translation>
    </message>
    <message>
        <source>%1 — QuantScope</source>
        <translation>%1 — QuantScope</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message numerus="yes">
        <source>Loaded %1: %n node(s); shape inference stopped: %2</source>
        <translation>
            <numerusform>已加载 %1：%n 个节点；形状推断中止：%2</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Loaded %1: %n node(s)</source>
        <translation>
            <numerusform>已加载 %1：%n 个节点</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>Could Not Open Model</source>
        <translation>无法打开模型</translation>
    </message>
    <message>
        <source>QuantScope could not open %1.</source>
        <translation>QuantScope 无法打开 %1。</translation>
    </message>
    <message>
        <source>Settings changed: the results are stale; Run to update.</source>
        <translation>设置已更改：结果已过期，请运行以更新。</translation>
    </message>
    <message>
        <source>Quantization run failed: %1</source>
        <translation>量化运行失败：%1</translation>
    </message>
    <message>
        <source>Quantization Run Failed</source>
        <translation>量化运行失败</translation>
    </message>
    <message>
        <source>Run cancelled; the previous results are kept.</source>
        <translation>运行已取消；保留之前的结果。</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit Graph to Window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>Show &amp;Constant and Shape Nodes</source>
        <translation>显示常量和形状节点(&amp;C)</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Main Toolbar</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>&amp;Run Quantization</source>
        <translation>运行量化(&amp;R)</translation>
    </message>
    <message>
        <source>Quantize the model with the current settings and measure every layer</source>
        <translation>按当前设置量化模型并测量每一层</translation>
    </message>
    <message>
        <source>&amp;Cancel Run</source>
        <translation>取消运行(&amp;C)</translation>
    </message>
    <message>
        <source>%p %</source>
        <translation>%p %</translation>
    </message>
    <message>
        <source>Invalid settings: %1</source>
        <translation>设置无效：%1</translation>
    </message>
    <message>
        <source>Quantizing…</source>
        <translation>正在量化…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Quantizing: %1</source>
        <translation>正在量化：%1</translation>
    </message>
    <message>
        <source>SQNR (dB)</source>
        <translation>SQNR (dB)</translation>
    </message>
    <message>
        <source>Quantized in %1 s; no calibration data, so no layer was measured.</source>
        <translation>量化用时 %1 秒；没有校准数据，因此未测量任何层。</translation>
    </message>
    <message numerus="yes">
        <source>Run finished in %1 s: output SQNR %2 dB, arg-max agreement %3 % on %n sample(s).</source>
        <translation>
            <numerusform>运行完成，用时 %1 秒：输出 SQNR %2 dB，%n 个样本上 arg-max 一致率 %3 %。</numerusform>
        </translation>
    </message>
    <message>
        <source>Previous run: %1 dB (%2%3 dB).</source>
        <translation>上次运行：%1 dB（%2%3 dB）。</translation>
    </message>
    <message>
        <source>Output SQNR: %1 dB</source>
        <translation>输出 SQNR：%1 dB</translation>
    </message>
    <message>
        <source>Previous run: %1 dB (%2%3 dB)</source>
        <translation>上次运行：%1 dB（%2%3 dB）</translation>
    </message>
    <message numerus="yes">
        <source>Arg-max agreement with fp32: %1 % on %n sample(s)</source>
        <translation>
            <numerusform>与 fp32 的 arg-max 一致率：%1 %（%n 个样本）</numerusform>
        </translation>
    </message>
    <message>
        <source>No layer measured: no calibration data.</source>
        <translation>未测量任何层：没有校准数据。</translation>
    </message>
    <message>
        <source>Activation ranges are data-free (BatchNorm statistics).</source>
        <translation>激活范围为无数据估计（BatchNorm 统计量）。</translation>
    </message>
    <message>
        <source>Stale: the settings changed since this run.</source>
        <translation>已过期：本次运行后设置已更改。</translation>
    </message>
    <message>
        <source>Inspector</source>
        <translation>检查器</translation>
    </message>
    <message>
        <source>%1 (%2): SQNR %3 dB before, %4 dB after.</source>
        <translation>%1（%2）：SQNR 之前 %3 dB，之后 %4 dB。</translation>
    </message>
    <message numerus="yes">
        <source>Mixed-bit assignment of %n layer(s) applied to the settings; Run to measure it.</source>
        <translation>
            <numerusform>已将 %n 层的混合精度分配应用到设置；运行以测量。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2 set in the settings; Run to see its effect.</source>
        <translation>%1：已在设置中设为%2；运行以查看效果。</translation>
    </message>
    <message>
        <source>The last run took %1 s.</source>
        <translation>上次运行耗时 %1 秒。</translation>
    </message>
    <message>
        <source>Preview of %1 (%2): output SQNR %3 → %4 dB in %5 s; Apply to keep it.</source>
        <translation>%1（%2）的预览：输出 SQNR %3 → %4 dB，用时 %5 秒；点击“应用”以保留。</translation>
    </message>
    <message>
        <source>Remedy preview cancelled.</source>
        <translation>补救措施预览已取消。</translation>
    </message>
    <message>
        <source>Remedy preview failed: %1</source>
        <translation>补救措施预览失败：%1</translation>
    </message>
    <message>
        <source>Previewing %1 for %2…</source>
        <translation>正在为 %2 预览%1…</translation>
    </message>
    <message>
        <source>%1 for %2 cannot be previewed; see the dialog.</source>
        <translation>%2 的%1无法预览；请查看对话框。</translation>
    </message>
</context>
<context>
    <name>qs::MixedBitChart</name>
    <message>
        <source>Average weight bits (weighted by parameters)</source>
        <translation>平均权重位宽（按参数量加权）</translation>
    </message>
    <message>
        <source>Output SQNR (dB)</source>
        <translation>输出 SQNR（dB）</translation>
    </message>
    <message>
        <source>Run with calibration data to see the mixed-bit suggestion</source>
        <translation>使用校准数据运行以查看混合精度建议</translation>
    </message>
    <message>
        <source>Budget: %1 bits</source>
        <translation>预算：%1 位</translation>
    </message>
    <message>
        <source>Predicted (Pareto points)</source>
        <translation>预测值（帕累托点）</translation>
    </message>
    <message>
        <source>Suggested: %1 bits, %2 dB predicted</source>
        <translation>建议：%1 位，预测 %2 dB</translation>
    </message>
    <message>
        <source>Measured: %1 dB</source>
        <translation>实测：%1 dB</translation>
    </message>
    <message>
        <source>Picked point</source>
        <translation>已选点</translation>
    </message>
    <message numerus="yes">
        <source>Mixed bits: %n Pareto point(s)</source>
        <translation>
            <numerusform>混合精度：%n 个帕累托点</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 average bits
Predicted output SQNR: %2 dB
Click to show this assignment</source>
        <translation>平均 %1 位
预测输出 SQNR：%2 dB
点击以显示此分配</translation>
    </message>
    <message>
        <source>The suggestion quantized and run: %1 dB</source>
        <translation>按建议量化并运行：%1 dB</translation>
    </message>
    <message>
        <source>Best predicted point within the budget of %1 bits</source>
        <translation>在 %1 位预算内预测最佳的点</translation>
    </message>
    <message>
        <source>Budget: %1 average bits</source>
        <translation>预算：平均 %1 位</translation>
    </message>
</context>
<context>
    <name>qs::MixedBitPanel</name>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Configured bits</source>
        <translation>配置位宽</translation>
    </message>
    <message>
        <source>Suggested bits</source>
        <translation>建议位宽</translation>
    </message>
    <message>
        <source>Apply These Bits to the Settings</source>
        <translation>将这些位宽应用到设置</translation>
    </message>
    <message>
        <source>Sets a per-layer weight bit width (--layer-bits) for every layer whose bits differ from the configured ones; Run to measure</source>
        <translation>为位宽与配置不同的每一层设置逐层权重位宽（--layer-bits）；运行以测量</translation>
    </message>
    <message>
        <source>No mixed-bit suggestion: run with calibration data.</source>
        <translation>没有混合精度建议：请使用校准数据运行。</translation>
    </message>
    <message>
        <source>Picked point: %1 average bits, predicted %2 dB.</source>
        <translation>已选点：平均 %1 位，预测 %2 dB。</translation>
    </message>
    <message>
        <source>Suggestion within %1 bits: %2 average bits, predicted %3 dB.</source>
        <translation>%1 位预算内的建议：平均 %2 位，预测 %3 dB。</translation>
    </message>
    <message>
        <source>No assignment fits the budget; this is the smallest.</source>
        <translation>没有满足预算的分配；这是最小的一个。</translation>
    </message>
</context>
<context>
    <name>qs::ModelLoader</name>
    <message>
        <source>%1: out of memory while loading the model</source>
        <translation>%1：加载模型时内存不足</translation>
    </message>
    <message>
        <source>%1: unexpected error: %2</source>
        <translation>%1：意外错误：%2</translation>
    </message>
</context>
<context>
    <name>qs::ModelSummaryWidget</name>
    <message>
        <source>Property</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Graph</source>
        <translation>计算图</translation>
    </message>
    <message>
        <source>Producer</source>
        <translation>生成工具</translation>
    </message>
    <message>
        <source>IR version</source>
        <translation>IR 版本</translation>
    </message>
    <message>
        <source>Opsets</source>
        <translation>算子集版本</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点数</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Elements of all floating-point initializers: weights, biases and BatchNorm statistics</source>
        <translation>所有浮点初始化张量的元素总数：权重、偏置和 BatchNorm 统计量</translation>
    </message>
    <message>
        <source>Inputs (%1)</source>
        <translation>输入（%1）</translation>
    </message>
    <message>
        <source>Outputs (%1)</source>
        <translation>输出（%1）</translation>
    </message>
    <message>
        <source>Operators (%1 types)</source>
        <translation>算子（%1 种）</translation>
    </message>
    <message>
        <source>Unsupported operators</source>
        <translation>不支持的算子</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Unsupported operators (%1)</source>
        <translation>不支持的算子（%1）</translation>
    </message>
    <message>
        <source>Shape inference</source>
        <translation>形状推断</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已中止</translation>
    </message>
    <message>
        <source>Known shapes</source>
        <translation>已知形状</translation>
    </message>
    <message>
        <source>Unknown shapes</source>
        <translation>未知形状</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>说明</translation>
    </message>
</context>
<context>
    <name>qs::NodeColoring</name>
    <message>
        <source>Convolution / matrix product</source>
        <translation>卷积 / 矩阵乘</translation>
    </message>
    <message>
        <source>Activation</source>
        <translation>激活</translation>
    </message>
    <message>
        <source>Pooling</source>
        <translation>池化</translation>
    </message>
    <message>
        <source>Normalization</source>
        <translation>归一化</translation>
    </message>
    <message>
        <source>Element-wise / reduction</source>
        <translation>逐元素 / 归约</translation>
    </message>
    <message>
        <source>Shape / data movement</source>
        <translation>形状 / 数据搬移</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Quantizable</source>
        <translation>可量化</translation>
    </message>
    <message>
        <source>Contested (data and shapes)</source>
        <translation>争议（数据与形状混合）</translation>
    </message>
    <message>
        <source>Non-quantizable (shapes)</source>
        <translation>不可量化（形状）</translation>
    </message>
    <message>
        <source>No quantization run yet</source>
        <translation>尚未运行量化</translation>
    </message>
    <message>
        <source>%1-bit</source>
        <translation>%1 位</translation>
    </message>
    <message>
        <source>Float</source>
        <translation>浮点</translation>
    </message>
    <message>
        <source>Not in the plan</source>
        <translation>不在量化方案中</translation>
    </message>
    <message>
        <source>No values yet: run the quantization</source>
        <translation>尚无数值：请运行量化</translation>
    </message>
    <message>
        <source>%1: %2 (best)</source>
        <translation>%1：%2（最好）</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1: %2 (worst)</source>
        <translation>%1：%2（最差）</translation>
    </message>
    <message>
        <source>No value</source>
        <translation>无数值</translation>
    </message>
    <message>
        <source>SQNR with only this layer quantized (dB)</source>
        <translation>仅量化此层时的 SQNR（dB）</translation>
    </message>
    <message>
        <source>Largest max|w|/σ of a channel</source>
        <translation>通道的最大 max|w|/σ</translation>
    </message>
    <message>
        <source>Share of the error injected here (%)</source>
        <translation>本节点引入的误差占比（%）</translation>
    </message>
    <message>
        <source>Error inherited from upstream (0 % injected)</source>
        <translation>误差继承自上游（本节点引入 0 %）</translation>
    </message>
    <message>
        <source>Error injected here (100 %)</source>
        <translation>误差由本节点引入（100 %）</translation>
    </message>
</context>
<context>
    <name>qs::NodeRemedyMenu</name>
    <message>
        <source>Remedies for %1</source>
        <translation>%1 的补救措施</translation>
    </message>
    <message>
        <source>Keep in &amp;Float</source>
        <translation>保持浮点(&amp;F)</translation>
    </message>
    <message>
        <source>Leave this node unquantized (--float)</source>
        <translation>不量化此节点（--float）</translation>
    </message>
    <message>
        <source>kept in float</source>
        <translation>保持浮点</translation>
    </message>
    <message>
        <source>quantized again</source>
        <translation>重新量化</translation>
    </message>
    <message>
        <source>&amp;16-Bit Weights</source>
        <translation>16 位权重(&amp;1)</translation>
    </message>
    <message>
        <source>Quantize this layer&apos;s weights with 16 bits (--layer-bits)</source>
        <translation>以 16 位量化此层的权重（--layer-bits）</translation>
    </message>
    <message>
        <source>16-bit weights</source>
        <translation>16 位权重</translation>
    </message>
    <message>
        <source>configured weight bits</source>
        <translation>配置的权重位宽</translation>
    </message>
    <message>
        <source>&amp;Per-Channel Weights</source>
        <translation>逐通道权重(&amp;P)</translation>
    </message>
    <message>
        <source>Every layer&apos;s weights are already per channel</source>
        <translation>所有层的权重已是逐通道量化</translation>
    </message>
    <message>
        <source>Quantize this layer&apos;s weights per output channel (--layer-granularity)</source>
        <translation>按输出通道量化本层权重（--layer-granularity）</translation>
    </message>
    <message>
        <source>per-channel weights</source>
        <translation>逐通道权重</translation>
    </message>
    <message>
        <source>configured granularity</source>
        <translation>配置的量化粒度</translation>
    </message>
    <message>
        <source>Ca&amp;librator</source>
        <translation>校准方法(&amp;L)</translation>
    </message>
    <message>
        <source>Ca&amp;librator for %1</source>
        <translation>%1 的校准方法(&amp;L)</translation>
    </message>
    <message>
        <source>This node has no activation output to calibrate</source>
        <translation>此节点没有可校准的激活输出</translation>
    </message>
    <message>
        <source>Calibrate the activation %1 with another method (--tensor-calib)</source>
        <translation>用另一种方法校准激活 %1（--tensor-calib）</translation>
    </message>
    <message>
        <source>&amp;Min-Max</source>
        <translation>最小-最大(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Percentile (%1)</source>
        <translation>百分位 (%1)(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;KL Divergence</source>
        <translation>KL 散度(&amp;K)</translation>
    </message>
    <message>
        <source>M&amp;SE-Optimal Clip</source>
        <translation>MSE 最优截断(&amp;S)</translation>
    </message>
    <message>
        <source>calibrator %1 for %2</source>
        <translation>%2 使用校准方法 %1</translation>
    </message>
    <message>
        <source>the global calibrator for %1</source>
        <translation>%1 使用全局校准方法</translation>
    </message>
    <message>
        <source>&amp;Global Calibrator (%1)</source>
        <translation>全局校准方法 (%1)(&amp;G)</translation>
    </message>
    <message>
        <source>Remove the --tensor-calib override of %1</source>
        <translation>移除 %1 的 --tensor-calib 覆盖</translation>
    </message>
    <message>
        <source>&amp;CLE for This Pair</source>
        <translation>此层对的跨层均衡(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;CLE for This Pair (%1)</source>
        <translation>此层对的跨层均衡（%1）(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;CLE for These Pairs (%1)</source>
        <translation>这些层对的跨层均衡（%1）(&amp;C)</translation>
    </message>
    <message>
        <source>Not in a pair cross-layer equalization can balance (a Conv, then Relu or nothing, then a Conv or Gemm)</source>
        <translation>不在可做跨层均衡的层对中（Conv，其后为 Relu 或无，再接 Conv 或 Gemm）</translation>
    </message>
    <message>
        <source>Cross-layer equalization is on for every pair (settings dock)</source>
        <translation>已对所有层对开启跨层均衡（设置面板）</translation>
    </message>
    <message>
        <source>Equalize the channel ranges of %1 only (--cle-layers)</source>
        <translation>仅均衡 %1 的通道范围（--cle-layers）</translation>
    </message>
    <message>
        <source>cross-layer equalization of %1</source>
        <translation>%1 的跨层均衡</translation>
    </message>
    <message>
        <source>no cross-layer equalization</source>
        <translation>不做跨层均衡</translation>
    </message>
    <message>
        <source>&amp;AdaRound for This Layer</source>
        <translation>此层的 AdaRound(&amp;A)</translation>
    </message>
    <message>
        <source>Only a weighted layer (Conv, Gemm, MatMul) has weights to round</source>
        <translation>只有带权重的层（Conv、Gemm、MatMul）才有可舍入的权重</translation>
    </message>
    <message>
        <source>AdaRound is on for every layer (settings dock)</source>
        <translation>已对所有层开启 AdaRound（设置面板）</translation>
    </message>
    <message>
        <source>Learn the rounding of this layer&apos;s weights on the calibration data; the other layers keep nearest rounding (--adaround-layers; needs calibration data)</source>
        <translation>在校准数据上学习此层权重的舍入方式；其他层保持就近舍入（--adaround-layers；需要校准数据）</translation>
    </message>
    <message>
        <source>AdaRound</source>
        <translation>AdaRound</translation>
    </message>
    <message>
        <source>nearest rounding</source>
        <translation>就近舍入</translation>
    </message>
    <message>
        <source>Estimated time: about %1 s per run (the last run)</source>
        <translation>预计时间：每次运行约 %1 秒（上次运行）</translation>
    </message>
    <message>
        <source>AdaRound of this layer: %1 s (%2 iterations, measured in the last run)</source>
        <translation>此层的 AdaRound：%1 秒（%2 次迭代，上次运行实测）</translation>
    </message>
    <message>
        <source>AdaRound of this layer adds about %1 s (%2 iterations, estimated from its weight size)</source>
        <translation>此层的 AdaRound 约增加 %1 秒（%2 次迭代，按权重规模估算）</translation>
    </message>
    <message>
        <source>Estimated time: unknown until the first run</source>
        <translation>预计时间：首次运行前未知</translation>
    </message>
    <message numerus="yes">
        <source>Previewed before applying: about %1 s each (%2 of %3 nodes run again, %n sample(s))</source>
        <translation>
            <numerusform>应用前先预览：每项约 %1 秒（重新运行 %3 个节点中的 %2 个，%n 个样本）</numerusform>
        </translation>
    </message>
    <message>
        <source>Previewed before applying (%1 of %2 nodes run again)</source>
        <translation>应用前先预览（重新运行 %2 个节点中的 %1 个）</translation>
    </message>
    <message>
        <source>Applied without a preview: this node is not in the quantized graph</source>
        <translation>不经预览直接应用：此节点不在量化后的图中</translation>
    </message>
    <message>
        <source>Applied without a preview: the last run kept no quantized model (no evaluation data, or read from a project)</source>
        <translation>不经预览直接应用：上次运行未保留量化模型（没有评估数据，或结果读自项目文件）</translation>
    </message>
    <message>
        <source>(%1 is folded into %2, whose pairs these are)</source>
        <translation>（%1 已折叠进 %2，这些是 %2 的层对）</translation>
    </message>
    <message>
        <source>No preview: it changes two layers at once; applying it re-runs the whole model (about %1 s).</source>
        <translation>无法预览：它同时改变两层；应用后需重新运行整个模型（约 %1 秒）。</translation>
    </message>
    <message>
        <source>No preview: it changes two layers at once; applying it re-runs the whole model.</source>
        <translation>无法预览：它同时改变两层；应用后需重新运行整个模型。</translation>
    </message>
    <message>
        <source>Cross-layer equalization rescales %1 together: it changes two layers at once, and a what-if changes one layer at a time, so it cannot be previewed. Apply it and run the quantization again to measure it.</source>
        <translation>跨层均衡会一起重新缩放 %1：它同时改变两层，而假设分析（what-if）一次只改变一层，因此无法预览。请应用后重新运行量化来测量其效果。</translation>
    </message>
    <message>
        <source>(%1 is folded into %2: applies to %2)</source>
        <translation>（%1 已折叠进 %2：作用于 %2）</translation>
    </message>
</context>
<context>
    <name>qs::NodeTableModel</name>
    <message>
        <source>%1 is not implemented: the model can be viewed but not run</source>
        <translation>%1 尚未实现：模型可以查看，但无法运行</translation>
    </message>
    <message>
        <source>#</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Attributes</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>quantizable</source>
        <translation>可量化</translation>
    </message>
    <message>
        <source>contested</source>
        <translation>争议</translation>
    </message>
    <message>
        <source>shape/constant</source>
        <translation>形状/常量</translation>
    </message>
    <message>
        <source>folded</source>
        <translation>已折叠</translation>
    </message>
    <message>
        <source>float</source>
        <translation>浮点</translation>
    </message>
    <message>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Bits</source>
        <translation>位宽</translation>
    </message>
    <message>
        <source>Scheme</source>
        <translation>方案</translation>
    </message>
    <message>
        <source>SQNR (dB)</source>
        <translation>SQNR (dB)</translation>
    </message>
    <message>
        <source>Δ SQNR</source>
        <translation>Δ SQNR</translation>
    </message>
    <message>
        <source>symmetric</source>
        <translation>对称</translation>
    </message>
    <message>
        <source>asymmetric</source>
        <translation>非对称</translation>
    </message>
    <message>
        <source>per tensor</source>
        <translation>逐张量</translation>
    </message>
    <message>
        <source>per channel</source>
        <translation>逐通道</translation>
    </message>
    <message>
        <source>per group of %1</source>
        <translation>逐组（每组 %1）</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <comment>scheme, granularity</comment>
        <translation>%1，%2</translation>
    </message>
    <message>
        <source>%1 (first divergent)</source>
        <extracomment>marks the first node whose integer output departs from the simulator</extracomment>
        <translation>%1（首个偏离）</translation>
    </message>
    <message>
        <source>Not compared: the node has no integer codes of its own, or the integer executor did not run</source>
        <translation>未比较：该节点没有自己的整数编码，或整数执行器未运行</translation>
    </message>
    <message numerus="yes">
        <source>Integer executor vs simulator on %n sample(s), tensor %1</source>
        <translation>
            <numerusform>在 %n 个样本上比较整数执行器与模拟器，张量 %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Given the simulator&apos;s inputs: max %1 step(s), %2 % of elements more than one step apart</source>
        <translation>给定模拟器的输入：最大相差 %1 个量化步长，%2 % 的元素相差超过一个步长</translation>
    </message>
    <message>
        <source>End to end: max %1 step(s); SQNR against fp32 %2 dB (simulator %3 dB)</source>
        <translation>端到端：最大相差 %1 个步长；相对 fp32 的 SQNR 为 %2 dB（模拟器 %3 dB）</translation>
    </message>
    <message>
        <source>Codes used: %1 %; saturated at the low end %2 %, at the high end %3 %</source>
        <translation>已用编码：%1 %；下端饱和 %2 %，上端饱和 %3 %</translation>
    </message>
    <message>
        <source>int32 accumulator headroom: %1 bit(s) (worst case from the weights)</source>
        <translation>int32 累加器余量：%1 位（按权重估计的最坏情况）</translation>
    </message>
    <message>
        <source>Int8 steps</source>
        <extracomment>header: the integer executor&apos;s largest difference to the simulator, in steps</extracomment>
        <translation>Int8 步长差</translation>
    </message>
</context>
<context>
    <name>qs::NodeTablePage</name>
    <message>
        <source>Filter by node name, op type or tensor name (Ctrl+F)</source>
        <translation>按节点名称、算子类型或张量名称筛选 (Ctrl+F)</translation>
    </message>
    <message numerus="yes">
        <source>%n node(s)</source>
        <translation>
            <numerusform>%n 个节点</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n node(s)</source>
        <translation>
            <numerusform>显示 %1 个，共 %n 个节点</numerusform>
        </translation>
    </message>
    <message>
        <source>Hide constants</source>
        <translation>隐藏常量</translation>
    </message>
    <message>
        <source>Hide the constant nodes and the shape arithmetic, which are not quantized (as the graph does).</source>
        <translation>隐藏不参与量化的常量节点和形状运算（与图中一致）。</translation>
    </message>
</context>
<context>
    <name>qs::OutlierList</name>
    <message>
        <source>Channel</source>
        <translation>通道</translation>
    </message>
    <message>
        <source>max|w|/σ</source>
        <translation>max|w|/σ</translation>
    </message>
    <message>
        <source>max|w|</source>
        <translation>max|w|</translation>
    </message>
    <message>
        <source>Outlier</source>
        <translation>离群</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
</context>
<context>
    <name>qs::PerChannelRangeChart</name>
    <message>
        <source>Output channel</source>
        <translation>输出通道</translation>
    </message>
    <message>
        <source>Weight range [min, max]</source>
        <translation>权重范围 [最小值, 最大值]</translation>
    </message>
    <message>
        <source>BN factor γ/√(σ²+ε)</source>
        <translation>BN 因子 γ/√(σ²+ε)</translation>
    </message>
    <message>
        <source>Select a quantized layer after a run to see its channel ranges</source>
        <translation>运行后选择一个量化层以查看其各通道范围</translation>
    </message>
    <message>
        <source>Before BN merge</source>
        <translation>BN 合并前</translation>
    </message>
    <message>
        <source>After BN merge</source>
        <translation>BN 合并后</translation>
    </message>
    <message>
        <source>Weight range</source>
        <translation>权重范围</translation>
    </message>
    <message numerus="yes">
        <source>Outlier channel (%n)</source>
        <translation>
            <numerusform>离群通道（%n 个）</numerusform>
        </translation>
    </message>
    <message>
        <source>After CLE</source>
        <translation>CLE 之后</translation>
    </message>
    <message>
        <source>BN factor</source>
        <translation>BN 因子</translation>
    </message>
    <message>
        <source>channel range ratio %1</source>
        <translation>通道范围比 %1</translation>
    </message>
    <message>
        <source>Channel %1</source>
        <translation>通道 %1</translation>
    </message>
    <message>
        <source>Before BN merge: [%1, %2]</source>
        <translation>BN 合并前：[%1, %2]</translation>
    </message>
    <message>
        <source>After BN merge: [%1, %2]</source>
        <translation>BN 合并后：[%1, %2]</translation>
    </message>
    <message>
        <source>After CLE: [%1, %2]</source>
        <translation>CLE 之后：[%1, %2]</translation>
    </message>
    <message>
        <source>BN factor: %1</source>
        <translation>BN 因子：%1</translation>
    </message>
    <message>
        <source>max|w|/σ: %1</source>
        <translation>max|w|/σ：%1</translation>
    </message>
    <message>
        <source>Outlier channel</source>
        <translation>离群通道</translation>
    </message>
</context>
<context>
    <name>qs::ProjectController</name>
    <message>
        <source>Open &amp;Project…</source>
        <translation>打开项目(&amp;P)…</translation>
    </message>
    <message>
        <source>Open a QuantScope project (.qsproj)</source>
        <translation>打开 QuantScope 项目 (.qsproj)</translation>
    </message>
    <message>
        <source>&amp;Save Project</source>
        <translation>保存项目(&amp;S)</translation>
    </message>
    <message>
        <source>Save the model, data, settings and last results as a project</source>
        <translation>将模型、数据、设置和上次结果保存为项目</translation>
    </message>
    <message>
        <source>Save Project &amp;As…</source>
        <translation>项目另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>Project not opened: %1</source>
        <translation>项目未打开：%1</translation>
    </message>
    <message>
        <source>Open Project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <source>Open a model before saving a project.</source>
        <translation>请先打开模型再保存项目。</translation>
    </message>
    <message>
        <source>Save Project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <source>QuantScope projects (*.qsproj)</source>
        <translation>QuantScope 项目 (*.qsproj)</translation>
    </message>
    <message>
        <source>Project not saved: %1</source>
        <translation>项目未保存：%1</translation>
    </message>
    <message>
        <source>Project saved to %1.</source>
        <translation>项目已保存到 %1。</translation>
    </message>
    <message>
        <source>Model Not Found</source>
        <translation>找不到模型</translation>
    </message>
    <message>
        <source>The project&apos;s model %1 was not found. Locate it?</source>
        <translation>找不到项目的模型 %1。要手动定位吗？</translation>
    </message>
    <message>
        <source>Locate Model</source>
        <translation>定位模型</translation>
    </message>
    <message>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>ONNX 模型 (*.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <source>QuantScope projects (*.qsproj);;All files (*)</source>
        <translation>QuantScope 项目 (*.qsproj);;所有文件 (*)</translation>
    </message>
    <message>
        <source>The project names no model.</source>
        <translation>项目中没有指定模型。</translation>
    </message>
    <message>
        <source>The project&apos;s model %1 was not found.</source>
        <translation>找不到项目的模型 %1。</translation>
    </message>
    <message>
        <source>model: located at %1</source>
        <translation>model：已定位到 %1</translation>
    </message>
    <message>
        <source>Some of the project could not be read and was left out:
%1</source>
        <translation>项目中有部分内容无法读取，已略过：
%1</translation>
    </message>
    <message>
        <source>quant_options: %1</source>
        <translation>quant_options：%1</translation>
    </message>
    <message>
        <source>Opened project %1.</source>
        <translation>已打开项目 %1。</translation>
    </message>
    <message numerus="yes">
        <source>Opened project %1; %n field(s) left out.</source>
        <translation>
            <numerusform>已打开项目 %1；略过了 %n 个字段。</numerusform>
        </translation>
    </message>
    <message>
        <source>Co&amp;mpare with Run…</source>
        <translation>与其他运行比较(&amp;M)…</translation>
    </message>
    <message>
        <source>Compare the last run layer by layer with a project, an analysis or a quantization table</source>
        <translation>将上次运行与项目、分析结果或量化表逐层比较</translation>
    </message>
    <message>
        <source>Compare Runs</source>
        <translation>比较运行</translation>
    </message>
    <message>
        <source>Run the quantization first: there is no run to compare.</source>
        <translation>请先运行量化：没有可比较的运行结果。</translation>
    </message>
    <message>
        <source>Compare with Run</source>
        <translation>与其他运行比较</translation>
    </message>
    <message>
        <source>Runs (*.qsproj *.json);;All files (*)</source>
        <translation>运行结果 (*.qsproj *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Not compared: %1</source>
        <translation>未比较：%1</translation>
    </message>
    <message numerus="yes">
        <source>This run vs %1: %n setting(s) differ.</source>
        <translation>
            <numerusform>本次运行与 %1 相比：%n 项设置不同。</numerusform>
        </translation>
    </message>
    <message>
        <source>The runs are of different models (%1, %2).</source>
        <translation>两次运行的模型不同（%1，%2）。</translation>
    </message>
    <message>
        <source>Compared the last run with %1.</source>
        <translation>已将上次运行与 %1 比较。</translation>
    </message>
    <message>
        <source>Export &amp;Report…</source>
        <translation>导出报告(&amp;R)…</translation>
    </message>
    <message>
        <source>Nothing to export: compare the last run with another run first.</source>
        <translation>没有可导出的内容：请先将上次运行与另一次运行进行对比。</translation>
    </message>
    <message>
        <source>Export Comparison Report</source>
        <translation>导出对比报告</translation>
    </message>
    <message>
        <source>HTML report (*.html *.htm);;PDF report (*.pdf)</source>
        <translation>HTML 报告 (*.html *.htm);;PDF 报告 (*.pdf)</translation>
    </message>
    <message>
        <source>Comparison report written to %1.</source>
        <translation>对比报告已写入 %1。</translation>
    </message>
    <message>
        <source>preprocessing.image.%1</source>
        <translation>preprocessing.image.%1</translation>
    </message>
</context>
<context>
    <name>qs::QuantRunner</name>
    <message>
        <source>AdaRound %1: %2 of %3 weights rounded the other way than nearest, reconstruction error %4 → %5, %6 s</source>
        <translation>AdaRound %1：%3 个权重中有 %2 个与就近舍入方向相反，重建误差 %4 → %5，%6 秒</translation>
    </message>
    <message>
        <source>cross-layer equalization %1: channel-range ratio %2 → %3</source>
        <translation>跨层均衡 %1：通道范围比 %2 → %3</translation>
    </message>
    <message>
        <source>no model is loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>calibration file %1: %2</source>
        <translation>校准文件 %1：%2</translation>
    </message>
    <message>
        <source>no calibration data: ranges are data-free and no layer was evaluated</source>
        <translation>没有校准数据：范围为无数据估计，未评估任何层</translation>
    </message>
    <message>
        <source>out of memory during the quantization run</source>
        <translation>量化运行时内存不足</translation>
    </message>
    <message>
        <source>unexpected error: %1</source>
        <translation>意外错误：%1</translation>
    </message>
    <message>
        <source>analyses: %1</source>
        <translation>分析：%1</translation>
    </message>
    <message>
        <source>the model has no input to feed images to</source>
        <translation>模型没有可输入图像的输入</translation>
    </message>
    <message>
        <source>image folder %1: %2</source>
        <translation>图像文件夹 %1：%2</translation>
    </message>
    <message numerus="yes">
        <source>calibration data: %1 of %n image(s) in %2, %3×%4, %5 channel(s), %6</source>
        <translation>
            <numerusform>校准数据：%2 中 %n 张图像取 %1 张，%3×%4，%5 个通道，%6</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>qs::QuantSettingsWidget</name>
    <message>
        <source>&amp;Weight bits:</source>
        <translation>权重位宽(&amp;W)：</translation>
    </message>
    <message>
        <source>&amp;Activation bits:</source>
        <translation>激活位宽(&amp;A)：</translation>
    </message>
    <message>
        <source>Sc&amp;heme:</source>
        <translation>方案(&amp;H)：</translation>
    </message>
    <message>
        <source>&amp;Granularity:</source>
        <translation>粒度(&amp;G)：</translation>
    </message>
    <message>
        <source>Cali&amp;bration:</source>
        <translation>校准(&amp;B)：</translation>
    </message>
    <message>
        <source>&amp;Dispatcher:</source>
        <translation>调度器(&amp;D)：</translation>
    </message>
    <message>
        <source>&amp;Requantization:</source>
        <translation>重量化(&amp;R)：</translation>
    </message>
    <message>
        <source>Calibration &amp;data:</source>
        <translation>校准数据(&amp;D)：</translation>
    </message>
    <message>
        <source>Calibration Data</source>
        <translation>校准数据</translation>
    </message>
    <message>
        <source>NumPy arrays (*.npy);;All files (*)</source>
        <translation>NumPy 数组 (*.npy);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Default (symmetric weights, asymmetric activations)</source>
        <translation>默认（权重对称，激活非对称）</translation>
    </message>
    <message>
        <source>Symmetric</source>
        <translation>对称</translation>
    </message>
    <message>
        <source>Asymmetric</source>
        <translation>非对称</translation>
    </message>
    <message>
        <source>Per channel</source>
        <translation>逐通道</translation>
    </message>
    <message>
        <source>Per tensor</source>
        <translation>逐张量</translation>
    </message>
    <message>
        <source>Per group</source>
        <translation>逐组</translation>
    </message>
    <message>
        <source>Channels per group</source>
        <translation>每组通道数</translation>
    </message>
    <message>
        <source>Min-max</source>
        <translation>最小-最大</translation>
    </message>
    <message>
        <source>Percentile</source>
        <translation>百分位</translation>
    </message>
    <message>
        <source>KL divergence (entropy)</source>
        <translation>KL 散度（熵）</translation>
    </message>
    <message>
        <source>MSE-optimal clip</source>
        <translation>MSE 最优截断</translation>
    </message>
    <message>
        <source>Moving-average min-max</source>
        <translation>滑动平均最小-最大</translation>
    </message>
    <message>
        <source>A&amp;nalyses:</source>
        <translation>分析(&amp;N):</translation>
    </message>
    <message>
        <source>Full (sensitivity, error, mixed bits)</source>
        <translation>完整（敏感度、误差、混合精度）</translation>
    </message>
    <message>
        <source>Without the mixed-bit search</source>
        <translation>不含混合精度搜索</translation>
    </message>
    <message>
        <source>None (quantize and evaluate only)</source>
        <translation>无（仅量化和评估）</translation>
    </message>
    <message>
        <source>What a run analyses after quantizing. The mixed-bit search quantizes every layer at several widths and is the slowest part on large models; without it the calibrator comparison also leaves out its output SQNRs.</source>
        <translation>运行在量化之后进行哪些分析。混合精度搜索会以多种位宽量化每一层，是大模型上最慢的部分；不做混合精度搜索时，校准方法比较也不计算各方法的输出 SQNR。</translation>
    </message>
    <message>
        <source>Percentile of |x| kept inside the clip range</source>
        <translation>保留在截断范围内的 |x| 百分位</translation>
    </message>
    <message>
        <source>Conservative (contested nodes float)</source>
        <translation>保守（争议节点保持浮点）</translation>
    </message>
    <message>
        <source>Aggressive (contested nodes quantized)</source>
        <translation>激进（争议节点也量化）</translation>
    </message>
    <message>
        <source>Float scale (ONNX Runtime)</source>
        <translation>浮点缩放（ONNX Runtime）</translation>
    </message>
    <message>
        <source>Fixed point (TFLite)</source>
        <translation>定点（TFLite）</translation>
    </message>
    <message>
        <source>How the integer executor requantizes; the simulator&apos;s results do not depend on it.</source>
        <translation>整数执行器的重量化方式；模拟器的结果与它无关。</translation>
    </message>
    <message>
        <source>Cross-layer equalization (CLE)</source>
        <translation>跨层均衡 (CLE)</translation>
    </message>
    <message>
        <source>Bias correction</source>
        <translation>偏置校正</translation>
    </message>
    <message>
        <source>AdaRound</source>
        <translation>AdaRound</translation>
    </message>
    <message>
        <source>Equalize the per-channel weight ranges of consecutive Conv layers (DFQ); exact in float.</source>
        <translation>均衡相邻卷积层的逐通道权重范围（DFQ）；在浮点下结果不变。</translation>
    </message>
    <message>
        <source>Learn whether each weight rounds up or down (needs calibration data; slow).</source>
        <translation>学习每个权重向上或向下取整（需要校准数据；较慢）。</translation>
    </message>
    <message>
        <source>None: data-free ranges from BatchNorm statistics</source>
        <translation>无：由 BatchNorm 统计量估计范围（无数据）</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <source>&amp;Run Quantization</source>
        <translation>运行量化(&amp;R)</translation>
    </message>
    <message>
        <source>Bits of the weights, 2 to 16 (the simulator runs any width)</source>
        <translation>权重位宽，2 到 16（模拟器支持任意位宽）</translation>
    </message>
    <message>
        <source>Bits of the activations, 2 to 16</source>
        <translation>激活位宽，2 到 16</translation>
    </message>
    <message>
        <source>Per-node overrides:</source>
        <translation>逐节点覆盖：</translation>
    </message>
    <message>
        <source>Resize (H × W):</source>
        <translation>调整尺寸（高 × 宽）：</translation>
    </message>
    <message>
        <source>Channel order:</source>
        <translation>通道顺序：</translation>
    </message>
    <message>
        <source>Scale:</source>
        <translation>缩放：</translation>
    </message>
    <message>
        <source>Mean:</source>
        <translation>均值：</translation>
    </message>
    <message>
        <source>Std:</source>
        <translation>标准差：</translation>
    </message>
    <message>
        <source>Layout:</source>
        <translation>布局：</translation>
    </message>
    <message>
        <source>At most:</source>
        <translation>最多：</translation>
    </message>
    <message>
        <source>Image scale:</source>
        <translation>图像缩放：</translation>
    </message>
    <message>
        <source>Image mean:</source>
        <translation>图像均值：</translation>
    </message>
    <message>
        <source>Image std:</source>
        <translation>图像标准差：</translation>
    </message>
    <message>
        <source>Image std: must not be zero</source>
        <translation>图像标准差：不能为零</translation>
    </message>
    <message>
        <source>%1: &apos;%2&apos; is not a valid value; kept the current one</source>
        <translation>%1：&apos;%2&apos; 不是有效值；保留当前值</translation>
    </message>
    <message>
        <source>%1: unknown image option; ignored</source>
        <translation>%1：未知的图像选项；已忽略</translation>
    </message>
    <message>
        <source>Calibration Images</source>
        <translation>校准图像</translation>
    </message>
    <message>
        <source>Float32 .npy in the model&apos;s input layout, samples first, or a folder of images; the first samples are also used to measure each layer&apos;s SQNR.</source>
        <translation>模型输入布局的 float32 .npy（样本维在前），或一个图像文件夹；前若干样本也用于测量每层的 SQNR。</translation>
    </message>
    <message>
        <source>Choose a .npy file</source>
        <translation>选择 .npy 文件</translation>
    </message>
    <message>
        <source>F&amp;older…</source>
        <translation>文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>Choose a folder of images (PNG, JPEG, BMP, …)</source>
        <translation>选择图像文件夹（PNG、JPEG、BMP 等）</translation>
    </message>
    <message>
        <source>Image folder</source>
        <translation>图像文件夹</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Height the images are resized to; “model”: the model input&apos;s static height (else the images&apos; own)</source>
        <translation>图像缩放到的高度；“模型”：模型输入的静态高度（没有时用图像自身的高度）</translation>
    </message>
    <message>
        <source>Width the images are resized to; “model”: the model input&apos;s static width (else the images&apos; own)</source>
        <translation>图像缩放到的宽度；“模型”：模型输入的静态宽度（没有时用图像自身的宽度）</translation>
    </message>
    <message>
        <source>RGB</source>
        <translation>RGB</translation>
    </message>
    <message>
        <source>BGR</source>
        <translation>BGR</translation>
    </message>
    <message>
        <source>Channel order of a 3-channel input; a 1-channel input reads the images as grayscale</source>
        <translation>三通道输入的通道顺序；单通道输入按灰度读取图像</translation>
    </message>
    <message>
        <source>Each pixel (0 to 255) is multiplied by this: a number or a fraction such as 1/255</source>
        <translation>每个像素（0 到 255）乘以此值：数字或 1/255 这样的分数</translation>
    </message>
    <message>
        <source>Subtracted after scaling: one value, or one per channel separated by commas</source>
        <translation>缩放后减去：一个值，或用逗号分隔的每通道一个值</translation>
    </message>
    <message>
        <source>Divided by after subtracting the mean: one value, or one per channel separated by commas</source>
        <translation>减去均值后除以：一个值，或用逗号分隔的每通道一个值</translation>
    </message>
    <message>
        <source>NCHW (channels first)</source>
        <translation>NCHW（通道在前）</translation>
    </message>
    <message>
        <source>NHWC (channels last)</source>
        <translation>NHWC（通道在后）</translation>
    </message>
    <message>
        <source> images</source>
        <translation> 张图像</translation>
    </message>
    <message>
        <source>Only the first images in file-name order are read</source>
        <translation>只读取按文件名排序的前若干张图像</translation>
    </message>
    <message>
        <source>Subtract the expected output shift that weight quantization causes, per output channel. Layers AdaRound rounds are left alone: its reconstruction already includes the mean.</source>
        <translation>逐输出通道减去权重量化引起的期望输出偏移。经 AdaRound 舍入的层不做修正：其重建已包含均值。</translation>
    </message>
</context>
<context>
    <name>qs::RemedyPreviewDialog</name>
    <message>
        <source>Remedy Preview</source>
        <translation>补救措施预览</translation>
    </message>
    <message>
        <source>&amp;Cancel Preview</source>
        <translation>取消预览(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>应用(&amp;A)</translation>
    </message>
    <message>
        <source>Write the override to the settings; the results become stale</source>
        <translation>将覆盖项写入设置；结果随之过期</translation>
    </message>
    <message>
        <source>Apply and &amp;Run</source>
        <translation>应用并运行(&amp;R)</translation>
    </message>
    <message>
        <source>Write the override to the settings and run the quantization again</source>
        <translation>将覆盖项写入设置并重新运行量化</translation>
    </message>
    <message>
        <source>&amp;Dismiss</source>
        <translation>关闭(&amp;D)</translation>
    </message>
    <message>
        <source>Close without changing the settings</source>
        <translation>关闭且不更改设置</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message numerus="yes">
        <source>A what-if on the last run&apos;s quantization: only the layer&apos;s downstream cone runs again, on %n evaluation sample(s); bias correction and AdaRound of the layer are redone for its new quantization. Nothing changes until you apply it.</source>
        <translation>
            <numerusform>基于上次运行的量化做假设分析（what-if）：只在 %n 个评估样本上重新运行该层的下游锥；该层的偏置校正和 AdaRound 按其新的量化重新计算。应用之前不会更改任何设置。</numerusform>
        </translation>
    </message>
    <message>
        <source>Estimated time of the preview: about %1 s</source>
        <translation>预览预计用时：约 %1 秒</translation>
    </message>
    <message>
        <source>Estimated time of the preview: unknown</source>
        <translation>预览预计用时：未知</translation>
    </message>
    <message>
        <source>A full re-run takes about %1 s (the last run).</source>
        <translation>完整重新运行约需 %1 秒（上次运行）。</translation>
    </message>
    <message>
        <source>The time of a full re-run is unknown until the first run.</source>
        <translation>首次运行前无法得知完整重新运行的用时。</translation>
    </message>
    <message>
        <source>Previewing…</source>
        <translation>正在预览…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Preview cancelled; nothing was changed.</source>
        <translation>预览已取消；未做任何更改。</translation>
    </message>
    <message>
        <source>The preview failed: %1</source>
        <translation>预览失败：%1</translation>
    </message>
    <message>
        <source>Output SQNR against fp32: %1 → %2 dB (%3 dB)</source>
        <translation>相对 fp32 的输出 SQNR：%1 → %2 dB（%3 dB）</translation>
    </message>
    <message numerus="yes">
        <source>Arg-max agreement with fp32: %1 → %2 % (%3 points) on %n sample(s)</source>
        <translation>
            <numerusform>与 fp32 的 arg-max 一致率：%1 → %2 %（%3 个百分点），共 %n 个样本</numerusform>
        </translation>
    </message>
    <message>
        <source>Clip range: %1</source>
        <translation>截断范围：%1</translation>
    </message>
    <message>
        <source>Nodes run again: %1 of %2</source>
        <translation>重新运行的节点：%2 个中的 %1 个</translation>
    </message>
    <message>
        <source>Redone: %1</source>
        <translation>已重新计算：%1</translation>
    </message>
    <message>
        <source>Took %1 s (the what-if %2 s, preparing its session %3 s)</source>
        <translation>用时 %1 秒（假设分析 %2 秒，准备其会话 %3 秒）</translation>
    </message>
    <message>
        <source>Took %1 s</source>
        <translation>用时 %1 秒</translation>
    </message>
    <message>
        <source>Apply writes the override to the settings; the next run measures it on all evaluation samples.</source>
        <translation>“应用”会将覆盖项写入设置；下次运行将在全部评估样本上测量其效果。</translation>
    </message>
</context>
<context>
    <name>qs::RemedyPreviewer</name>
    <message>
        <source>no quantized model to preview on: run the quantization first</source>
        <translation>没有可供预览的量化模型：请先运行量化</translation>
    </message>
    <message>
        <source>out of memory during the remedy preview</source>
        <translation>补救措施预览期间内存不足</translation>
    </message>
    <message>
        <source>unexpected error: %1</source>
        <translation>意外错误：%1</translation>
    </message>
</context>
<context>
    <name>qs::ReportComparison</name>
    <message>
        <source>float</source>
        <translation>浮点</translation>
    </message>
    <message>
        <source>The runs are of different models (%1, %2): layers are matched by node name.</source>
        <translation>两次运行的模型不同（%1、%2）：按节点名称匹配各层。</translation>
    </message>
    <message>
        <source>The settings are the same.</source>
        <translation>设置相同。</translation>
    </message>
    <message>
        <source>%1 %2 → %3</source>
        <translation>%1 %2 → %3</translation>
    </message>
    <message numerus="yes">
        <source>%n setting(s) differ: %1.</source>
        <translation>
            <numerusform>%n 项设置不同：%1。</numerusform>
        </translation>
    </message>
    <message>
        <source>Output SQNR: %1 dB in A, %2 dB in B (%3 dB).</source>
        <translation>输出 SQNR：A 为 %1 dB，B 为 %2 dB（%3 dB）。</translation>
    </message>
    <message>
        <source>Top-1: %1% in A, %2% in B (%3 points).</source>
        <translation>Top-1：A 为 %1%，B 为 %2%（%3 个百分点）。</translation>
    </message>
    <message>
        <source>Run output SQNR: %1 dB in A, %2 dB in B (%3 dB).</source>
        <translation>运行的输出 SQNR：A 为 %1 dB，B 为 %2 dB（%3 dB）。</translation>
    </message>
    <message>
        <source>%1 %2 dB</source>
        <translation>%1 %2 dB</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) changed %1 by more than %2 dB; largest: %3.</source>
        <translation>
            <numerusform>%n 个层的 %1 变化超过 %2 dB；最大：%3。</numerusform>
        </translation>
    </message>
    <message>
        <source>No layer changed %1 by more than %2 dB; largest: %3.</source>
        <translation>没有层的 %1 变化超过 %2 dB；最大：%3。</translation>
    </message>
    <message numerus="yes">
        <source>%1 is higher in B on %2 and lower on %3 of %n common layer(s).</source>
        <translation>
            <numerusform>在 %n 个共同层中，B 的 %1 有 %2 个层更高、%3 个层更低。</numerusform>
        </translation>
    </message>
    <message>
        <source>SQNR</source>
        <translation>SQNR</translation>
    </message>
    <message>
        <source>run SQNR</source>
        <translation>运行 SQNR</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) moved %1 or more places in the sensitivity ranking; largest: %2 from rank %3 to %4.</source>
        <translation>
            <numerusform>%n 个层的敏感度排名变化了 %1 位或更多；最大：%2 从第 %3 名变为第 %4 名。</numerusform>
        </translation>
    </message>
    <message>
        <source>The most sensitive layer is %1 in both runs.</source>
        <translation>两次运行中最敏感的层都是 %1。</translation>
    </message>
    <message>
        <source>The most sensitive layer is %1 in A and %2 in B.</source>
        <translation>最敏感的层在 A 中是 %1，在 B 中是 %2。</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) have different weight bits.</source>
        <translation>
            <numerusform>%n 个层的权重位宽不同。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s) are quantized differently</source>
        <translation>
            <numerusform>%n 个张量的量化方式不同</numerusform>
        </translation>
    </message>
    <message>
        <source>%1; scales moved by up to ×%2 (%3).</source>
        <translation>%1；缩放因子最多变化 %2 倍（%3）。</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) only in A: %1.</source>
        <translation>
            <numerusform>仅在 A 中的 %n 个层：%1。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) only in B: %1.</source>
        <translation>
            <numerusform>仅在 B 中的 %n 个层：%1。</numerusform>
        </translation>
    </message>
    <message>
        <source>Run comparison</source>
        <translation>运行对比</translation>
    </message>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Output SQNR (dB)</source>
        <translation>输出 SQNR（dB）</translation>
    </message>
    <message>
        <source>Top-1</source>
        <translation>Top-1</translation>
    </message>
    <message>
        <source>Run output SQNR (dB)</source>
        <translation>运行的输出 SQNR（dB）</translation>
    </message>
    <message>
        <source>Run agreement</source>
        <translation>运行的一致率</translation>
    </message>
    <message>
        <source>Settings that differ</source>
        <translation>不同的设置</translation>
    </message>
    <message>
        <source>None.</source>
        <translation>无。</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>设置项</translation>
    </message>
    <message>
        <source>Per-layer comparison</source>
        <translation>逐层对比</translation>
    </message>
    <message numerus="yes">
        <source>The %n layer(s) both runs have, the largest SQNR change first. SQNR: the model&apos;s output with this layer alone quantized; Δ = B − A; rank 1 = most sensitive.</source>
        <translation>
            <numerusform>两次运行共有的 %n 个层，SQNR 变化最大的在前。SQNR：仅量化该层时模型的输出 SQNR；Δ = B − A；排名 1 = 最敏感。</numerusform>
        </translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Bits A</source>
        <translation>位宽 A</translation>
    </message>
    <message>
        <source>Bits B</source>
        <translation>位宽 B</translation>
    </message>
    <message>
        <source>SQNR A (dB)</source>
        <translation>SQNR A（dB）</translation>
    </message>
    <message>
        <source>SQNR B (dB)</source>
        <translation>SQNR B（dB）</translation>
    </message>
    <message>
        <source>ΔSQNR (dB)</source>
        <translation>ΔSQNR（dB）</translation>
    </message>
    <message>
        <source>Rank A</source>
        <translation>排名 A</translation>
    </message>
    <message>
        <source>Rank B</source>
        <translation>排名 B</translation>
    </message>
    <message>
        <source>ΔRank</source>
        <translation>Δ排名</translation>
    </message>
    <message>
        <source>Suggested bits A</source>
        <translation>建议位宽 A</translation>
    </message>
    <message>
        <source>Suggested bits B</source>
        <translation>建议位宽 B</translation>
    </message>
    <message>
        <source>Run SQNR A (dB)</source>
        <translation>运行 SQNR A（dB）</translation>
    </message>
    <message>
        <source>Run SQNR B (dB)</source>
        <translation>运行 SQNR B（dB）</translation>
    </message>
    <message>
        <source>ΔRun SQNR (dB)</source>
        <translation>Δ运行 SQNR（dB）</translation>
    </message>
    <message>
        <source>Tensors quantized differently</source>
        <translation>量化方式不同的张量</translation>
    </message>
    <message>
        <source>None, or not comparable: scales are compared only when both sides have a quantization table (quant_table.json, a project, or the analysis run itself).</source>
        <translation>无，或无法比较：仅当两侧都有量化表（quant_table.json、项目文件或分析运行本身）时才比较缩放因子。</translation>
    </message>
    <message>
        <source>Tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>Max scale ratio (max over channels of the larger of A/B, B/A)</source>
        <translation>最大缩放比（各通道中 A/B 与 B/A 较大者的最大值）</translation>
    </message>
    <message>
        <source>%1 bit</source>
        <translation>%1 位</translation>
    </message>
    <message numerus="yes">
        <source>… and %n more tensor(s).</source>
        <translation>
            <numerusform>… 另有 %n 个张量。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>qs::ReportExporter</name>
    <message>
        <source>Export &amp;Report…</source>
        <translation>导出报告(&amp;R)…</translation>
    </message>
    <message>
        <source>Write the last run&apos;s report (summary, accuracy, per-layer table, charts, findings) as HTML or PDF</source>
        <translation>将上次运行的报告（概要、精度、逐层表、图表、结论）写为 HTML 或 PDF</translation>
    </message>
    <message>
        <source>Nothing to report: run the quantization with calibration data first.</source>
        <translation>没有可报告的内容：请先使用校准数据运行量化。</translation>
    </message>
    <message>
        <source>Export Report</source>
        <translation>导出报告</translation>
    </message>
    <message>
        <source>HTML report (*.html *.htm);;PDF report (*.pdf)</source>
        <translation>HTML 报告 (*.html *.htm);;PDF 报告 (*.pdf)</translation>
    </message>
    <message>
        <source>Report written to %1.</source>
        <translation>报告已写入 %1。</translation>
    </message>
</context>
<context>
    <name>qs::ReportFindings</name>
    <message>
        <source>quantized alone it brings the output to %1 dB SQNR and %2% arg-max agreement (sensitivity rank %3 of %4)</source>
        <translation>单独量化时输出 SQNR 为 %1 dB，arg-max 一致率 %2%（敏感度排名 %3/%4）</translation>
    </message>
    <message>
        <source>in its weights</source>
        <translation>在其权重中</translation>
    </message>
    <message>
        <source>after merging BatchNorm %1</source>
        <translation>在合并 BatchNorm %1 之后</translation>
    </message>
    <message>
        <source>weight noise %1 dB per tensor vs %2 dB per channel</source>
        <translation>权重噪声逐张量 %1 dB，逐通道 %2 dB</translation>
    </message>
    <message numerus="yes">
        <source>per-tensor weights: %n outlier channel(s) %1 stretch the one grid of all %2 channels (channel range ratio %3×); %4</source>
        <translation>
            <numerusform>逐张量权重：%1有 %n 个离群通道，拉伸了全部 %2 个通道共用的网格（通道范围比 %3 倍）；%4</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n outlier channel(s) %1 (channel range ratio %2×); per-channel weights give each its own grid (%3)</source>
        <translation>
            <numerusform>%1有 %n 个离群通道（通道范围比 %2 倍）；逐通道权重为每个通道提供各自的网格（%3）</numerusform>
        </translation>
    </message>
    <message>
        <source>per-tensor weights: channel ranges spread %1× %2; %3</source>
        <translation>逐张量权重：%2通道范围相差 %1 倍；%3</translation>
    </message>
    <message>
        <source>per-channel weights would lower its weight noise by %1 dB</source>
        <translation>逐通道权重可将其权重噪声降低 %1 dB</translation>
    </message>
    <message>
        <source>%1% of its quantized weights lie outside the grid (clipped)</source>
        <translation>其量化权重中有 %1% 落在网格之外（被截断）</translation>
    </message>
    <message>
        <source>its output activation %1 clips %2% of the calibration values</source>
        <translation>其输出激活 %1 截断了 %2% 的校准值</translation>
    </message>
    <message>
        <source>CLE changed its channel range ratio from %1× to %2×</source>
        <translation>CLE 将其通道范围比从 %1 倍变为 %2 倍</translation>
    </message>
    <message>
        <source>keeping it in float (all else quantized) gives %1 dB output SQNR (%2 dB) and %3 points of agreement</source>
        <translation>保持该层为浮点（其余全部量化）时输出 SQNR 为 %1 dB（%2 dB），一致率变化 %3 个百分点</translation>
    </message>
    <message>
        <source>, %1 points of top-1</source>
        <translation>，Top-1 变化 %1 个百分点</translation>
    </message>
    <message numerus="yes">
        <source>The quantized model (simulated) agrees with fp32 on %1% of %n sample(s), output SQNR %2 dB</source>
        <translation>
            <numerusform>量化模型（模拟）在 %n 个样本中与 fp32 的一致率为 %1%，输出 SQNR %2 dB</numerusform>
        </translation>
    </message>
    <message>
        <source>; top-1 %1% against %2% in fp32</source>
        <translation>；Top-1 为 %1%，fp32 为 %2%</translation>
    </message>
    <message>
        <source>The int8 executor agrees with fp32 on %1% of the samples (output SQNR %2 dB), %3 points from the simulator.</source>
        <translation>int8 执行器与 fp32 的一致率为 %1%（输出 SQNR %2 dB），与模拟器相差 %3 个百分点。</translation>
    </message>
    <message>
        <source>The int8 executor could not run this plan: %1.</source>
        <translation>int8 执行器无法运行此方案：%1。</translation>
    </message>
    <message>
        <source>Layer %1 (%2): %3.</source>
        <translation>层 %1（%2）：%3。</translation>
    </message>
    <message>
        <source>Graph-wise error: node %1 (%2) injects the most error of any node (injected SQNR %3 dB; %4% of the error on its output is its own).</source>
        <translation>全图误差：节点 %1（%2）注入的误差最多（注入 SQNR %3 dB；其输出误差的 %4% 来自自身）。</translation>
    </message>
    <message>
        <source>The error accumulates to %1 dB SQNR at %2, the last tensor.</source>
        <translation>误差累积到最后一个张量 %2 时 SQNR 为 %1 dB。</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) at %1 bits</source>
        <translation>
            <numerusform>%n 个层为 %1 位</numerusform>
        </translation>
    </message>
    <message>
        <source>Mixed bits: under a budget of %1 average weight bits the suggestion averages %2 bits (%3), predicted output SQNR %4 dB</source>
        <translation>混合位宽：在平均 %1 位权重的预算下，建议平均 %2 位（%3），预测输出 SQNR %4 dB</translation>
    </message>
    <message>
        <source>, measured %1 dB</source>
        <translation>，实测 %1 dB</translation>
    </message>
    <message>
        <source>; no assignment fits the budget</source>
        <translation>；没有分配方案满足预算</translation>
    </message>
    <message>
        <source>per-channel weights</source>
        <translation>逐通道权重</translation>
    </message>
    <message>
        <source>16-bit weights</source>
        <translation>16 位权重</translation>
    </message>
    <message>
        <source>%1 on this layer only: output SQNR %2 dB (%3 dB), %4 points of agreement</source>
        <translation>仅对该层使用%1：输出 SQNR %2 dB（%3 dB），一致率变化 %4 个百分点</translation>
    </message>
    <message numerus="yes">
        <source> (measured on %n sample(s))</source>
        <translation>
            <numerusform>（在 %n 个样本上实测）</numerusform>
        </translation>
    </message>
    <message>
        <source>The integer execution departs first at %1 (%2): %3.</source>
        <translation>整数执行首先在 %1（%2）处偏离：%3。</translation>
    </message>
</context>
<context>
    <name>qs::ReportWriter</name>
    <message>
        <source>Model summary</source>
        <translation>模型概要</translation>
    </message>
    <message>
        <source>Model file</source>
        <translation>模型文件</translation>
    </message>
    <message>
        <source>Graph</source>
        <translation>计算图</translation>
    </message>
    <message>
        <source>Producer</source>
        <translation>生成工具</translation>
    </message>
    <message>
        <source>Opset / IR version</source>
        <translation>Opset / IR 版本</translation>
    </message>
    <message>
        <source>Nodes</source>
        <translation>节点数</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Outputs</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Quantizable layers</source>
        <translation>可量化层</translation>
    </message>
    <message>
        <source>Size of the constants, fp32</source>
        <translation>常量大小（fp32）</translation>
    </message>
    <message>
        <source>%1 MB (%2 parameters after BatchNorm folding)</source>
        <translation>%1 MB（BatchNorm 折叠后 %2 个参数）</translation>
    </message>
    <message>
        <source>Size of the constants, quantized</source>
        <translation>常量大小（量化后）</translation>
    </message>
    <message>
        <source>%1 MB (%2× smaller; %3 parameters quantized)</source>
        <translation>%1 MB（缩小 %2 倍；%3 个参数已量化）</translation>
    </message>
    <message>
        <source>Operators:</source>
        <translation>算子：</translation>
    </message>
    <message>
        <source>Unsupported operators:</source>
        <translation>不支持的算子：</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>设置项</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Calibration samples</source>
        <translation>校准样本数</translation>
    </message>
    <message>
        <source>none (data-free ranges)</source>
        <translation>无（无数据范围）</translation>
    </message>
    <message>
        <source>Evaluation data</source>
        <translation>评估数据</translation>
    </message>
    <message>
        <source>Accuracy and agreement</source>
        <translation>精度与一致性</translation>
    </message>
    <message>
        <source>The executors were not compared in this run.</source>
        <translation>本次运行未比较各执行器。</translation>
    </message>
    <message numerus="yes">
        <source>On %n evaluation sample(s), against the fp32 executor on the same (BatchNorm-folded) graph.</source>
        <translation>
            <numerusform>基于 %n 个评估样本，与同一（已折叠 BatchNorm 的）计算图上的 fp32 执行器比较。</numerusform>
        </translation>
    </message>
    <message>
        <source>Executor</source>
        <translation>执行器</translation>
    </message>
    <message>
        <source>Top-1</source>
        <translation>Top-1</translation>
    </message>
    <message>
        <source>Agreement with fp32</source>
        <translation>与 fp32 的一致率</translation>
    </message>
    <message>
        <source>Output SQNR (dB)</source>
        <translation>输出 SQNR（dB）</translation>
    </message>
    <message>
        <source>Cosine</source>
        <translation>余弦相似度</translation>
    </message>
    <message>
        <source>fp32</source>
        <translation>fp32</translation>
    </message>
    <message>
        <source>int8 executor (integer)</source>
        <translation>int8 执行器（整数）</translation>
    </message>
    <message>
        <source>simulator (fake quantization)</source>
        <translation>模拟器（伪量化）</translation>
    </message>
    <message>
        <source>not run: %1</source>
        <translation>未运行：%1</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>No findings: the analyses did not run.</source>
        <translation>无结论：分析未运行。</translation>
    </message>
    <message>
        <source>Per-layer table</source>
        <translation>逐层表</translation>
    </message>
    <message>
        <source>Output SQNR with each layer quantized alone (bars) and with all but that layer quantized (line), in graph order.</source>
        <translation>按图顺序：仅量化该层时的输出 SQNR（柱）以及除该层外全部量化时的输出 SQNR（折线）。</translation>
    </message>
    <message>
        <source>#</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>SQNR alone (dB)</source>
        <translation>单独量化 SQNR（dB）</translation>
    </message>
    <message>
        <source>Rank</source>
        <translation>排名</translation>
    </message>
    <message>
        <source>All but this (dB)</source>
        <translation>除此层外（dB）</translation>
    </message>
    <message>
        <source>Range ratio</source>
        <translation>范围比</translation>
    </message>
    <message>
        <source>Outlier ch.</source>
        <translation>离群通道</translation>
    </message>
    <message>
        <source>W noise/tensor (dB)</source>
        <translation>权重噪声/逐张量（dB）</translation>
    </message>
    <message>
        <source>W noise/channel (dB)</source>
        <translation>权重噪声/逐通道（dB）</translation>
    </message>
    <message>
        <source>Suggested bits</source>
        <translation>建议位宽</translation>
    </message>
    <message numerus="yes">
        <source>The %n most sensitive layer(s)</source>
        <translation>
            <numerusform>最敏感的 %n 个层</numerusform>
        </translation>
    </message>
    <message>
        <source>No layer was analysed.</source>
        <translation>没有分析任何层。</translation>
    </message>
    <message>
        <source>%1. %2 (%3)</source>
        <translation>%1. %2（%3）</translation>
    </message>
    <message>
        <source>Weight histogram of %1 before and after BatchNorm merge, with the clip range and quantization grid.</source>
        <translation>%1 在合并 BatchNorm 前后的权重直方图，含截断范围与量化网格。</translation>
    </message>
    <message>
        <source>Per-channel weight range of %1 (outlier channels in red, BN factor on the right axis).</source>
        <translation>%1 的逐通道权重范围（离群通道为红色，右轴为 BN 系数）。</translation>
    </message>
    <message>
        <source>Channels with the largest max|w|/σ (outlier threshold %1σ of the median channel spread):</source>
        <translation>max|w|/σ 最大的通道（离群阈值为通道离散度中位数的 %1σ）：</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>通道</translation>
    </message>
    <message>
        <source>Min</source>
        <translation>最小值</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>最大值</translation>
    </message>
    <message>
        <source>max|w|/σ</source>
        <translation>max|w|/σ</translation>
    </message>
    <message>
        <source>Outlier</source>
        <translation>离群</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Graph-wise error</source>
        <translation>全图误差</translation>
    </message>
    <message>
        <source>Not run (needs evaluation data).</source>
        <translation>未运行（需要评估数据）。</translation>
    </message>
    <message>
        <source>SQNR of every tensor with the whole model quantized (total), the error each node injects and the error it inherits.</source>
        <translation>整个模型量化后每个张量的 SQNR（总计）、每个节点注入的误差及其继承的误差。</translation>
    </message>
    <message>
        <source>The nodes that inject the most error:</source>
        <translation>注入误差最多的节点：</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Total (dB)</source>
        <translation>总计（dB）</translation>
    </message>
    <message>
        <source>Injected (dB)</source>
        <translation>注入（dB）</translation>
    </message>
    <message>
        <source>Inherited (dB)</source>
        <translation>继承（dB）</translation>
    </message>
    <message>
        <source>Injected share</source>
        <translation>注入占比</translation>
    </message>
    <message>
        <source>Mixed-bit suggestion</source>
        <translation>混合位宽建议</translation>
    </message>
    <message>
        <source>Not run (budget 0, or no evaluation data).</source>
        <translation>未运行（预算为 0 或没有评估数据）。</translation>
    </message>
    <message>
        <source>Pareto curve of average weight bits against predicted output SQNR, the budget and the suggestion.</source>
        <translation>平均权重位宽与预测输出 SQNR 的帕累托曲线、预算及建议。</translation>
    </message>
    <message>
        <source>Budget %1 average weight bits; suggestion %2 bits, predicted %3 dB</source>
        <translation>预算为平均 %1 位权重；建议 %2 位，预测 %3 dB</translation>
    </message>
    <message>
        <source>, measured %1 dB</source>
        <translation>，实测 %1 dB</translation>
    </message>
    <message>
        <source>Configured bits</source>
        <translation>配置位宽</translation>
    </message>
    <message>
        <source>QuantScope report: %1</source>
        <translation>QuantScope 报告：%1</translation>
    </message>
    <message>
        <source>Generated by QuantScope %1 on %2.</source>
        <translation>由 QuantScope %1 于 %2 生成。</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>report %1: unknown format &apos;.%2&apos; (use .html, .htm or .pdf)</source>
        <translation>报告 %1：未知格式“.%2”（请使用 .html、.htm 或 .pdf）</translation>
    </message>
    <message>
        <source>report %1: no analysis to report (run first)</source>
        <translation>报告 %1：没有可报告的分析（请先运行）</translation>
    </message>
    <message numerus="yes">
        <source>the first %n calibration sample(s)</source>
        <translation>
            <numerusform>前 %n 个校准样本</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing to report: run the quantization with calibration data first.</source>
        <translation>没有可报告的内容：请先使用校准数据运行量化。</translation>
    </message>
    <message>
        <source>QuantScope run comparison: %1 vs %2</source>
        <translation>QuantScope 运行对比：%1 与 %2</translation>
    </message>
    <message>
        <source>Integer executor</source>
        <translation>整数执行器</translation>
    </message>
    <message>
        <source>The integer executor could not run this plan: %1.</source>
        <translation>整数执行器无法运行此量化方案：%1。</translation>
    </message>
    <message numerus="yes">
        <source>The integer executor, the simulator and fp32 side by side on %n sample(s). Steps compare the integer codes with the simulator&apos;s, each node fed the simulator&apos;s inputs; SQNR is end to end against fp32.</source>
        <translation>
            <numerusform>在 %n 个样本上并排运行整数执行器、模拟器和 fp32。步长差比较整数编码与模拟器的编码，每个节点都以模拟器的输入为输入；SQNR 为相对 fp32 的端到端结果。</numerusform>
        </translation>
    </message>
    <message>
        <source>Max steps</source>
        <translation>最大步长差</translation>
    </message>
    <message>
        <source>&gt; 1 step</source>
        <translation>&gt; 1 个步长</translation>
    </message>
    <message>
        <source>SQNR int / sim (dB)</source>
        <translation>SQNR 整数 / 模拟 (dB)</translation>
    </message>
    <message>
        <source>Codes used</source>
        <translation>已用编码</translation>
    </message>
    <message>
        <source>Saturated</source>
        <translation>饱和</translation>
    </message>
    <message>
        <source>Headroom (bits)</source>
        <translation>余量（位）</translation>
    </message>
</context>
<context>
    <name>qs::RunDiffModel</name>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Bits (this)</source>
        <translation>位宽（本次）</translation>
    </message>
    <message>
        <source>Bits (other)</source>
        <translation>位宽（对比）</translation>
    </message>
    <message>
        <source>SQNR (this, dB)</source>
        <translation>SQNR（本次，dB）</translation>
    </message>
    <message>
        <source>SQNR (other, dB)</source>
        <translation>SQNR（对比，dB）</translation>
    </message>
    <message>
        <source>Δ SQNR (dB)</source>
        <translation>Δ SQNR (dB)</translation>
    </message>
</context>
<context>
    <name>qs::SensitivityChart</name>
    <message>
        <source>Layer (graph order)</source>
        <translation>层（按图顺序）</translation>
    </message>
    <message>
        <source>Output SQNR (dB)</source>
        <translation>输出 SQNR（dB）</translation>
    </message>
    <message>
        <source>Run with calibration data to see the sensitivity of every layer</source>
        <translation>使用校准数据运行以查看每一层的敏感度</translation>
    </message>
    <message>
        <source>Only this layer quantized</source>
        <translation>仅量化此层</translation>
    </message>
    <message>
        <source>Selected: %1</source>
        <translation>已选：%1</translation>
    </message>
    <message>
        <source>All but this layer quantized</source>
        <translation>量化除此层外的所有层</translation>
    </message>
    <message>
        <source>Whole model quantized: %1 dB</source>
        <translation>整个模型量化：%1 dB</translation>
    </message>
    <message numerus="yes">
        <source>Sensitivity: %n layer(s), %1 sample(s)</source>
        <translation>
            <numerusform>敏感度：%n 层，%1 个样本</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (%2)
Only this layer quantized: %3 dB, cosine %4
All but this layer: %5 dB
Sensitivity rank %6 of %7</source>
        <translation>%1（%2）
仅量化此层：%3 dB，余弦相似度 %4
除此层外全部量化：%5 dB
敏感度排名第 %6 / %7</translation>
    </message>
</context>
<context>
    <name>qs::TensorHistogramChart</name>
    <message>
        <source>Clip range [%1, %2]</source>
        <translation>截断范围 [%1, %2]</translation>
    </message>
    <message numerus="yes">
        <source>Quantization levels (%n)</source>
        <translation>
            <numerusform>量化级别（%n 个）</numerusform>
        </translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>计数</translation>
    </message>
    <message>
        <source>Select a quantized layer after a run to see its histograms</source>
        <translation>运行后选择一个量化层以查看其直方图</translation>
    </message>
    <message>
        <source>Weights before BN merge</source>
        <translation>BN 合并前的权重</translation>
    </message>
    <message>
        <source>Weights after BN merge</source>
        <translation>BN 合并后的权重</translation>
    </message>
    <message>
        <source>Weights as quantized (after CLE)</source>
        <translation>实际量化的权重（CLE 之后）</translation>
    </message>
    <message>
        <source>No histogram of this activation (float, or no calibration data)</source>
        <translation>此激活没有直方图（保持浮点，或没有校准数据）</translation>
    </message>
    <message>
        <source>Input activation</source>
        <translation>输入激活</translation>
    </message>
    <message>
        <source>Output activation</source>
        <translation>输出激活</translation>
    </message>
    <message>
        <source>%1 — clipped: %2 %</source>
        <translation>%1 — 截断比例：%2 %</translation>
    </message>
    <message numerus="yes">
        <source>%n per-channel grid(s)</source>
        <translation>
            <numerusform>%n 个逐通道量化网格</numerusform>
        </translation>
    </message>
    <message>
        <source>Clip range: values outside [%1, %2] saturate; %3 % clipped</source>
        <translation>截断范围：[%1, %2] 之外的值饱和；截断比例 %3 %</translation>
    </message>
    <message>
        <source>Quantization level %1</source>
        <translation>量化级别 %1</translation>
    </message>
    <message>
        <source>%1
[%2, %3): %4 value(s)</source>
        <translation>%1
[%2, %3)：%4 个值</translation>
    </message>
</context>
</TS>
