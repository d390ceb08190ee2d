<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="112"/>
        <source>{name}: not an image or a PDF ({what})</source>
        <translation>{name}：不是图像或 PDF（{what}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="124"/>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="348"/>
        <source>{name}: damaged {format} image ({reason})</source>
        <translation>{name}：{format} 图像已损坏（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="197"/>
        <source>{name}: unsupported colour mode {mode}</source>
        <translation>{name}：不支持的颜色模式 {mode}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="244"/>
        <source>{frames} frames: only the first is used</source>
        <translation>共 {frames} 帧：仅使用第一帧</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="300"/>
        <source>{name}: image too large (too many pixels; the limit is {limit:,}), refused as a possible decompression bomb</source>
        <translation>{name}：图像过大（像素过多，上限为 {limit:,}），疑为解压炸弹，已拒绝</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="303"/>
        <source>{name}: image too large ({pixels:,} pixels; the limit is {limit:,}), refused as a possible decompression bomb</source>
        <translation>{name}：图像过大（{pixels:,} 像素，上限为 {limit:,}），疑为解压炸弹，已拒绝</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="312"/>
        <source>it is a ZIP archive; Office documents are not supported</source>
        <translation>这是 ZIP 压缩包；不支持 Office 文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="314"/>
        <source>it is gzip-compressed data</source>
        <translation>这是 gzip 压缩数据</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="316"/>
        <source>it is an ISO media file ({brand})</source>
        <translation>这是 ISO 媒体文件（{brand}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="320"/>
        <source>it is an SVG, XML or HTML file</source>
        <translation>这是 SVG、XML 或 HTML 文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="322"/>
        <source>it looks like a text file</source>
        <translation>看起来是文本文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="325"/>
        <source>it starts like a {format} file but cannot be read</source>
        <translation>开头像 {format} 文件，但无法读取</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="326"/>
        <source>unrecognised content starting with {bytes}</source>
        <translation>无法识别的内容，开头为 {bytes}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="343"/>
        <source>{name}: truncated image ({reason})</source>
        <translation>{name}：图像不完整（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="344"/>
        <source>{name}: truncated {format} image ({reason})</source>
        <translation>{name}：{format} 图像不完整（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="347"/>
        <source>{name}: damaged image ({reason})</source>
        <translation>{name}：图像已损坏（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/images.py" line="360"/>
        <source>decoder warning: {warning}</source>
        <translation>解码器警告：{warning}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/model.py" line="226"/>
        <source>only the first {used} of {count} pages are used</source>
        <translation>共 {count} 页，仅使用前 {used} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/model.py" line="232"/>
        <source>pages from {page} on cannot be read ({reason})</source>
        <translation>从第 {page} 页起无法读取（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="67"/>
        <source>{name}: not a readable PDF ({reason})</source>
        <translation>{name}：不是可读取的 PDF（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="73"/>
        <source>{name}: password required</source>
        <translation>{name}：需要密码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="76"/>
        <source>{name}: wrong password</source>
        <translation>{name}：密码错误</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="96"/>
        <source>{name}: the PDF has no pages</source>
        <translation>{name}：PDF 没有页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="110"/>
        <source>{name}: page 1 has no area ({width} × {height})</source>
        <translation>{name}：第 1 页面积为零（{width} × {height}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="112"/>
        <source>pages from {page} on have no area and are left out</source>
        <translation>从第 {page} 页起面积为零，未读取</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="128"/>
        <source>the file was damaged and MuPDF repaired it (MuPDF: {warning})</source>
        <translation>文件已损坏，MuPDF 已将其修复（MuPDF：{warning}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="130"/>
        <source>the file was damaged and MuPDF repaired it</source>
        <translation>文件已损坏，MuPDF 已将其修复</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="183"/>
        <source>{name}: page {page} cannot be rendered ({reason})</source>
        <translation>{name}：无法渲染第 {page} 页（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="206"/>
        <source>{name}: the text of page {page} cannot be read ({reason})</source>
        <translation>{name}：无法读取第 {page} 页的文本（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pdf.py" line="232"/>
        <source>{name}: damaged PDF ({reason})</source>
        <translation>{name}：PDF 已损坏（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pixels.py" line="32"/>
        <source>{name}: not an image array ({type})</source>
        <translation>{name}：不是图像数组（{type}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pixels.py" line="35"/>
        <source>{name}: image array must be uint8, not {dtype}</source>
        <translation>{name}：图像数组必须是 uint8，而不是 {dtype}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pixels.py" line="41"/>
        <source>{name}: image array must be (H, W), (H, W, 3) or (H, W, 4), not {shape}</source>
        <translation>{name}：图像数组的形状必须是 (H, W)、(H, W, 3) 或 (H, W, 4)，而不是 {shape}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pixels.py" line="57"/>
        <source>{name}: empty image ({width} × {height} pixels)</source>
        <translation>{name}：空图像（{width} × {height} 像素）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/pixels.py" line="62"/>
        <source>{name}: image too large ({width:,} × {height:,} = {pixels:,} pixels; the limit is {limit:,})</source>
        <translation>{name}：图像过大（{width:,} × {height:,} = {pixels:,} 像素，上限为 {limit:,}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="271"/>
        <source>{name}: the document worker cannot be reached ({error})</source>
        <translation>{name}：无法连接文档工作进程（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="275"/>
        <source>{name}: {doing} took longer than {seconds:g} s</source>
        <translation>{name}：{doing}耗时超过 {seconds:g} 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="285"/>
        <source>{name}: cancelled, the document service was closed</source>
        <translation>{name}：已取消，文档服务已关闭</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="317"/>
        <source>{name}: the document worker cannot start ({error})</source>
        <translation>{name}：无法启动文档工作进程（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="324"/>
        <source>{name}: the document worker did not start within {seconds:g} s</source>
        <translation>{name}：文档工作进程未能在 {seconds:g} 秒内启动</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="332"/>
        <source>{name}: the document worker failed to start ({exit})</source>
        <translation>{name}：文档工作进程启动失败（{exit}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="364"/>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="339"/>
        <source>{name}: not a regular file</source>
        <translation>{name}：不是普通文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="379"/>
        <source>{name}: file too large ({size:,.1f} MiB; the limit is {limit:,.1f} MiB)</source>
        <translation>{name}：文件过大（{size:,.1f} MiB，上限为 {limit:,.1f} MiB）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="391"/>
        <source>{name}: there is no page {page} (the image has 1 page)</source>
        <translation>{name}：没有第 {page} 页（图像只有 1 页）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="413"/>
        <source>{name}: permission denied</source>
        <translation>{name}：权限不足</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="422"/>
        <source>{name}: the PDF renderer stopped unexpectedly ({exit})</source>
        <translation>{name}：PDF 渲染器意外停止（{exit}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="424"/>
        <source>{name}: the image decoder stopped unexpectedly ({exit})</source>
        <translation>{name}：图像解码器意外停止（{exit}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="427"/>
        <source>{name}: the PDF renderer crashed ({exit})</source>
        <translation>{name}：PDF 渲染器崩溃（{exit}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="428"/>
        <source>{name}: the image decoder crashed ({exit})</source>
        <translation>{name}：图像解码器崩溃（{exit}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="434"/>
        <source>no exit status</source>
        <translation>无退出状态</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="437"/>
        <source>signal {number}, {signal}</source>
        <translation>信号 {number}，{signal}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="440"/>
        <source>signal {number}</source>
        <translation>信号 {number}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="442"/>
        <source>exit code {code:#x}</source>
        <translation>退出码 {code:#x}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/service.py" line="443"/>
        <source>exit code {code}</source>
        <translation>退出码 {code}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="75"/>
        <source>opening</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="77"/>
        <source>rendering page {page}</source>
        <translation>渲染第 {page} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="78"/>
        <source>reading the text of page {page}</source>
        <translation>读取第 {page} 页的文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="112"/>
        <source>{name}: result cannot be sent back ({error})</source>
        <translation>{name}：无法传回结果（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="176"/>
        <source>{name}: not enough memory for {doing} within the worker&apos;s {gib:g} GiB</source>
        <translation>{name}：内存不足，无法{doing}（工作进程上限为 {gib:g} GiB）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="179"/>
        <source>{name}: not enough memory for {doing}</source>
        <translation>{name}：内存不足，无法{doing}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="184"/>
        <source>{name}: unexpected error while {doing} ({detail})</source>
        <translation>{name}：{doing}时发生意外错误（{detail}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="231"/>
        <source>{name}: there is no page {page} (the document has 1 page)</source>
        <translation>{name}：没有第 {page} 页（文档只有 1 页）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="233"/>
        <source>{name}: there is no page {page} (the document has {count} pages)</source>
        <translation>{name}：没有第 {page} 页（文档共 {count} 页）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="238"/>
        <source>{name}: page {page} is beyond the {limit}-page limit</source>
        <translation>{name}：第 {page} 页超出了 {limit} 页的上限</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="240"/>
        <source>{name}: page {page} cannot be read</source>
        <translation>{name}：无法读取第 {page} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="270"/>
        <source>{name}: file not found</source>
        <translation>{name}：找不到文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="274"/>
        <source>{name}: is a folder, not a document</source>
        <translation>{name}：这是文件夹，不是文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="278"/>
        <source>{name}: empty file (0 bytes)</source>
        <translation>{name}：空文件（0 字节）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="283"/>
        <source>{name}: cannot open ({reason})</source>
        <translation>{name}：无法打开（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="288"/>
        <source>{name}: cannot read ({reason})</source>
        <translation>{name}：无法读取（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/documents/worker.py" line="314"/>
        <source>{name}: file too large (the limit is {limit:,} bytes)</source>
        <translation>{name}：文件过大（上限为 {limit:,} 字节）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/errors.py" line="127"/>
        <source>{path}: {problem}</source>
        <translation>{path}：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/errors.py" line="184"/>
        <source>internal error: {kind}</source>
        <translation>内部错误：{kind}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/errors.py" line="185"/>
        <source>internal error: {kind}: {error}</source>
        <translation>内部错误：{kind}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="463"/>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="159"/>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="357"/>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="230"/>
        <location filename="../../bluelm_desktop/core/models/library.py" line="232"/>
        <source>{name}: {problem}</source>
        <translation>{name}：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="474"/>
        <source>{name}: llama.cpp makes {made} positions of a {side}-px tile, the {family} layout reserves {reserved}</source>
        <translation>{name}：llama.cpp 为 {side} 像素的图块生成 {made} 个位置，而 {family} 布局预留了 {reserved} 个</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="483"/>
        <source>KV cache kept in f16: {problem}</source>
        <translation>KV 缓存保持为 f16：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="504"/>
        <location filename="../../bluelm_desktop/core/server/engine.py" line="316"/>
        <source>text only: {reason}</source>
        <translation>仅文本：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="511"/>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="552"/>
        <source>no model is loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="521"/>
        <source>image {image} is not encoded</source>
        <translation>图像 {image} 尚未编码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="575"/>
        <source>the loaded model has no vision projector (mmproj)</source>
        <translation>已加载的模型没有视觉投影器（mmproj）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="584"/>
        <source>an image for {name} goes whole, got {n} tiles</source>
        <translation>{name} 的图像应整张传入，却收到 {n} 个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="627"/>
        <source>{name}: a tile became {rows} embedding rows, the prompt reserved {reserved}</source>
        <translation>{name}：一个图块生成了 {rows} 行嵌入，而提示词预留了 {reserved} 行</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="630"/>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="66"/>
        <source>the projector</source>
        <translation>投影器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/engine.py" line="678"/>
        <source>this projector has no vision encoder (audio only?)</source>
        <translation>此投影器没有视觉编码器（仅音频？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="343"/>
        <source>{name}: no such file</source>
        <translation>{name}：文件不存在</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/load_probe.py" line="84"/>
        <source>{name}: loading it took more than {seconds} s in a test run and was stopped; the file may be damaged</source>
        <translation>{name}：试加载超过 {seconds} 秒，已停止；文件可能已损坏</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/load_probe.py" line="88"/>
        <source>{name}: could not start the test load ({error})</source>
        <translation>{name}：无法启动试加载（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/load_probe.py" line="104"/>
        <source>{name}: llama.cpp could not load it (exit status {code})</source>
        <translation>{name}：llama.cpp 无法加载（退出状态 {code}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/load_probe.py" line="107"/>
        <source>{name}: llama.cpp could not load it ({reason})</source>
        <translation>{name}：llama.cpp 无法加载（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/load_probe.py" line="150"/>
        <source>{name}: llama.cpp crashed while loading it ({detail}); the file is damaged or not supported</source>
        <translation>{name}：llama.cpp 加载时崩溃（{detail}）；文件已损坏或不受支持</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/load_probe.py" line="157"/>
        <source>{name}: llama.cpp stopped with an illegal instruction (SIGILL) while running it: this llama.cpp build uses instructions this processor cannot run; please report it with your processor&apos;s model (the bundle&apos;s llama.cpp is built for every x86-64 CPU)</source>
        <translation>{name}：llama.cpp 运行时因非法指令（SIGILL）而停止：此 llama.cpp 版本使用了本处理器无法执行的指令；请报告此问题并注明您的处理器型号（安装包中的 llama.cpp 本应适用于所有 x86-64 CPU）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/load_probe.py" line="162"/>
        <source>{name}: llama.cpp stopped with an illegal instruction (SIGILL) while running it: this llama.cpp build uses instructions this processor cannot run; rebuild llama.cpp for it with scripts/setup.sh --rebuild-llama</source>
        <translation>{name}：llama.cpp 运行时因非法指令（SIGILL）而停止：此 llama.cpp 版本使用了本处理器无法执行的指令；请用 scripts/setup.sh --rebuild-llama 为本机重新构建 llama.cpp</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/load_probe.py" line="204"/>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="345"/>
        <source>{name}: cannot be read ({error})</source>
        <translation>{name}：无法读取（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="350"/>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="394"/>
        <source>{name}: unreadable GGUF header ({kind})</source>
        <translation>{name}：无法读取 GGUF 文件头（{kind}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="425"/>
        <source>{what} needs {n} bytes at byte {pos} but the file has {size} bytes (truncated download?)</source>
        <translation>{what}需要从第 {pos} 字节起的 {n} 字节，但文件只有 {size} 字节（下载不完整？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="202"/>
        <source>the length of {what}</source>
        <translation>{what}的长度</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="456"/>
        <source>{what} claims to be {n} bytes long, more than the {cap} allowed</source>
        <translation>{what}声称长 {n} 字节，超过允许的 {cap} 字节</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="459"/>
        <source>{what} claims {n} bytes at byte {pos} but the file has only {left} bytes left (truncated download?)</source>
        <translation>{what}声称从第 {pos} 字节起有 {n} 字节，但文件只剩 {left} 字节（下载不完整？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="469"/>
        <source>{what} is not valid UTF-8 text</source>
        <translation>{what}不是有效的 UTF-8 文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="476"/>
        <source>{what} is {code}, not a GGUF value type</source>
        <translation>{what}为 {code}，不是 GGUF 值类型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="484"/>
        <source>the file is {size} bytes long, too short to be GGUF</source>
        <translation>文件长 {size} 字节，太短，不可能是 GGUF</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="486"/>
        <source>the magic</source>
        <translation>文件标识</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="488"/>
        <source>not a GGUF file (it starts with {magic}, not {expected})</source>
        <translation>不是 GGUF 文件（开头为 {magic}，而不是 {expected}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="490"/>
        <source>the GGUF version</source>
        <translation>GGUF 版本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="493"/>
        <source>GGUF version {version} is not supported (only 2 and 3) (a big-endian file?)</source>
        <translation>不支持 GGUF 版本 {version}（仅支持 2 和 3）（大端序文件？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="495"/>
        <source>GGUF version {version} is not supported (only 2 and 3)</source>
        <translation>不支持 GGUF 版本 {version}（仅支持 2 和 3）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="497"/>
        <source>the tensor count</source>
        <translation>张量数量</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="498"/>
        <source>the metadata count</source>
        <translation>元数据数量</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="500"/>
        <source>it claims {n} tensors, more than the {limit} allowed</source>
        <translation>声称有 {n} 个张量，超过允许的 {limit} 个</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="503"/>
        <source>it claims {n} metadata entries, more than the {limit} allowed</source>
        <translation>声称有 {n} 个元数据条目，超过允许的 {limit} 个</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="507"/>
        <source>it claims {tensors} tensors and {entries} metadata entries, which need at least {least} bytes, but the file has {size} (truncated download?)</source>
        <translation>声称有 {tensors} 个张量和 {entries} 个元数据条目，至少需要 {least} 字节，但文件只有 {size} 字节（下载不完整？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="517"/>
        <source>the metadata key {key} appears twice</source>
        <translation>元数据键 {key} 出现了两次</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="524"/>
        <source>{key} is stored as {kind}, llama.cpp requires uint32</source>
        <translation>{key} 存储为 {kind}，llama.cpp 要求 uint32</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="528"/>
        <source>{key} is {value}, not a power of two</source>
        <translation>{key} 为 {value}，不是 2 的幂</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="535"/>
        <source>the tensor name {name} appears twice</source>
        <translation>张量名称 {name} 出现了两次</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="542"/>
        <source>the tensor data should start at byte {offset} but the file has {size} bytes (truncated download?)</source>
        <translation>张量数据应从第 {offset} 字节开始，但文件只有 {size} 字节（下载不完整？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="550"/>
        <source>metadata key #{i}</source>
        <translation>第 {i} 个元数据键</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="552"/>
        <source>metadata key #{i} is empty</source>
        <translation>第 {i} 个元数据键为空</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="553"/>
        <source>the type of {key}</source>
        <translation>{key} 的类型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="556"/>
        <source>the element type of {key}</source>
        <translation>{key} 的元素类型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="558"/>
        <source>{key} is an array of arrays, which GGUF does not allow</source>
        <translation>{key} 是数组的数组，GGUF 不允许</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="564"/>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="565"/>
        <source>the value of {key}</source>
        <translation>{key} 的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="571"/>
        <source>{key} claims {n} strings, more than the {limit} allowed</source>
        <translation>{key} 声称有 {n} 个字符串，超过允许的 {limit} 个</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="574"/>
        <source>{key} claims {n} strings but the file has only {left} bytes left (truncated download?)</source>
        <translation>{key} 声称有 {n} 个字符串，但文件只剩 {left} 字节（下载不完整？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="205"/>
        <source>string #{j} of {key}</source>
        <translation>{key} 的第 {j} 个字符串</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="587"/>
        <source>{key} claims {n} elements, more than the {limit} allowed</source>
        <translation>{key} 声称有 {n} 个元素，超过允许的 {limit} 个</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="590"/>
        <source>{key} claims {n} elements ({size} bytes) but the file has only {left} bytes left (truncated download?)</source>
        <translation>{key} 声称有 {n} 个元素（{size} 字节），但文件只剩 {left} 字节（下载不完整？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="595"/>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="597"/>
        <source>the values of {key}</source>
        <translation>{key} 的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="204"/>
        <source>token #{j} of the vocabulary</source>
        <translation>词表中第 {j} 个 token 的文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="203"/>
        <source>the length of {key}</source>
        <translation>{key} 的长度</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="617"/>
        <source>token #{j} of the vocabulary ({token}) repeats token #{first}, which makes llama.cpp abort</source>
        <translation>词表中的第 {j} 个 token（{token}）与第 {first} 个 token 重复，这会导致 llama.cpp 中止</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="622"/>
        <source>the name of tensor #{i}</source>
        <translation>第 {i} 个张量的名称</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="624"/>
        <source>tensor #{i} has an empty name</source>
        <translation>第 {i} 个张量的名称为空</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="625"/>
        <source>the dimension count of tensor {name}</source>
        <translation>张量 {name} 的维数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="627"/>
        <source>tensor {name} has {n} dimensions (1 to {limit} allowed)</source>
        <translation>张量 {name} 有 {n} 维（允许 1 到 {limit} 维）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="629"/>
        <source>dimension {d} of tensor {name}</source>
        <translation>张量 {name} 的第 {d} 维</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="632"/>
        <source>tensor {name} has an empty dimension {shape}</source>
        <translation>张量 {name} 有一个空维度 {shape}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="636"/>
        <source>tensor {name}&apos;s shape {shape} has more elements than a 64-bit count can hold</source>
        <translation>张量 {name} 的形状 {shape} 的元素数超出 64 位计数范围</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="638"/>
        <source>the type of tensor {name}</source>
        <translation>张量 {name} 的类型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="643"/>
        <source>tensor {name} has ggml type {code}, which this version does not know</source>
        <translation>张量 {name} 的 ggml 类型为 {code}，此版本不认识</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="646"/>
        <source>tensor {name} is {kind} with rows of {n} values, not a multiple of its block size {block}</source>
        <translation>张量 {name} 为 {kind}，每行 {n} 个值，不是其块大小 {block} 的倍数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="649"/>
        <source>the data offset of tensor {name}</source>
        <translation>张量 {name} 的数据偏移</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="651"/>
        <source>tensor {name}&apos;s data offset {offset} is not a multiple of the alignment {alignment}</source>
        <translation>张量 {name} 的数据偏移 {offset} 不是对齐值 {alignment} 的倍数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="666"/>
        <source>tensor {name}&apos;s data ends at byte {end} but the file has {size} bytes (truncated download?)</source>
        <translation>张量 {name} 的数据结束于第 {end} 字节，但文件只有 {size} 字节（下载不完整？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="672"/>
        <source>tensors {a} and {b} overlap in the file (bytes {start} to {end})</source>
        <translation>张量 {a} 与 {b} 在文件中重叠（第 {start} 到 {end} 字节）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="680"/>
        <source>tensor {name}&apos;s data is at offset {offset}, but llama.cpp reads tensors packed in order and expects {expected}</source>
        <translation>张量 {name} 的数据位于偏移 {offset}，但 llama.cpp 按顺序紧密读取张量，期望偏移为 {expected}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="700"/>
        <source>{key} is stored as {kind}, not as a string</source>
        <translation>{key} 存储为 {kind}，而不是字符串</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="709"/>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="834"/>
        <source>it has no {key}</source>
        <translation>缺少 {key}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="716"/>
        <source>{key} is not an integer</source>
        <translation>{key} 不是整数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="723"/>
        <source>{key} is {value}, it must be at least 1</source>
        <translation>{key} 为 {value}，必须至少为 1</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="725"/>
        <source>{key} is {value}, it must be 1 to {limit}</source>
        <translation>{key} 为 {value}，必须在 1 到 {limit} 之间</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="751"/>
        <source>it has no {key}, so llama.cpp cannot tell what model it is</source>
        <translation>缺少 {key}，llama.cpp 无法判断这是什么模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="756"/>
        <source>the architecture {arch} is not one llama.cpp knows</source>
        <translation>llama.cpp 不认识架构 {arch}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="765"/>
        <source>it has no tensor {name} ({what})</source>
        <translation>缺少张量 {name}（{what}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="767"/>
        <source>tensor {name} ({what}) has shape {shape}, expected {expected}</source>
        <translation>张量 {name}（{what}）的形状为 {shape}，应为 {expected}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="798"/>
        <source>{key} is {value}, it must divide the head count {n_head}</source>
        <translation>{key} 为 {value}，必须能整除注意力头数 {n_head}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="803"/>
        <source>its expert counts ({used} used of {total}) are inconsistent</source>
        <translation>专家数量不一致（使用 {used} 个，共 {total} 个）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="807"/>
        <source>{key} {value} is not one llama.cpp knows</source>
        <translation>llama.cpp 不认识 {key} {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="813"/>
        <source>it has no vocabulary ({key})</source>
        <translation>缺少词表（{key}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="816"/>
        <source>its vocabulary is empty</source>
        <translation>词表为空</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="818"/>
        <source>{n} tokens of {key} {n_embd}</source>
        <translation>{n} 个 token，{key} 为 {n_embd}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="827"/>
        <source>{key} is stored as {kind}, llama.cpp requires {required}</source>
        <translation>{key} 存储为 {kind}，llama.cpp 要求 {required}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="831"/>
        <source>it has no vision encoder ({key} is not true)</source>
        <translation>没有视觉编码器（{key} 不为 true）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="836"/>
        <source>the projector type {projector} is not one llama.cpp knows</source>
        <translation>llama.cpp 不认识投影器类型 {projector}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="849"/>
        <source>{key} {value} is not a multiple of the head count {n_head}</source>
        <translation>{key} {value} 不是注意力头数 {n_head} 的倍数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="857"/>
        <source>{key} {value} is not a multiple of {patch_key} {patch}</source>
        <translation>{key} {value} 不是 {patch_key} {patch} 的倍数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="867"/>
        <source>it has no attention weights for ViT layer {layer} ({names})</source>
        <translation>ViT 第 {layer} 层缺少注意力权重（{names}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="873"/>
        <source>{key} is {value}, the lfm2 projector needs 2 or more</source>
        <translation>{key} 为 {value}，lfm2 投影器要求至少为 2</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="878"/>
        <source>{key} {value} does not divide the {grid}x{grid} patch grid</source>
        <translation>{key} {value} 不能整除 {grid}x{grid} 的图像块网格</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="884"/>
        <source>{key} {lo} is more than preproc_max_tiles {hi}</source>
        <translation>{key} {lo} 大于 preproc_max_tiles {hi}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="886"/>
        <source>the class embedding internvl needs</source>
        <translation>internvl 所需的类别嵌入</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="890"/>
        <source>{patch}x{patch} RGB patches to {n_embd} values</source>
        <translation>{patch}x{patch} 的 RGB 图像块映射到 {n_embd} 个值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="892"/>
        <source>the patch bias</source>
        <translation>图像块偏置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="895"/>
        <source>{grid}x{grid} patches and the class token</source>
        <translation>{grid}x{grid} 个图像块及类别 token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="896"/>
        <source>{grid}x{grid} patches</source>
        <translation>{grid}x{grid} 个图像块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="901"/>
        <source>tensor {name} is {kind}, llama.cpp needs {kinds} there</source>
        <translation>张量 {name} 为 {kind}，llama.cpp 此处需要 {kinds}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="907"/>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="912"/>
        <source>the projector&apos;s input norm</source>
        <translation>投影器的输入归一化</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="917"/>
        <source>it has no 2-D projector tensor {name}</source>
        <translation>缺少二维投影器张量 {name}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="920"/>
        <source>{merge}x{merge} merged patches of {n_embd} values in</source>
        <translation>输入为 {merge}x{merge} 个合并的图像块，每块 {n_embd} 个值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="922"/>
        <source>the projector&apos;s first bias</source>
        <translation>投影器的第一个偏置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="924"/>
        <source>{key} {n} values out</source>
        <translation>输出为 {key} {n} 个值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/check.py" line="925"/>
        <source>the projector&apos;s output bias</source>
        <translation>投影器的输出偏置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/pairs.py" line="101"/>
        <source>{path}: this is a vision projector, not a language model</source>
        <translation>{path}：这是视觉投影器，不是语言模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/pairs.py" line="104"/>
        <source>{path}: architecture {arch} is not one llama.cpp knows</source>
        <translation>{path}：llama.cpp 不认识架构 {arch}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/pairs.py" line="110"/>
        <source>{path}: this is a language model, not a vision projector</source>
        <translation>{path}：这是语言模型，不是视觉投影器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="109"/>
        <source>{name}: no {key}: not a vision projector llama.cpp knows; the model can still answer text</source>
        <translation>{name}：没有 {key}：不是 llama.cpp 认识的视觉投影器；模型仍可回答文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="115"/>
        <source>{name}: unknown {key} {value}</source>
        <translation>{name}：未知的 {key} {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="127"/>
        <source>{name}: no {key}: not a vision projector</source>
        <translation>{name}：没有 {key}：不是视觉投影器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="137"/>
        <source>{name}: a {tile}-px tile is not a whole number of {patch}-px patches merged {scale}×{scale}</source>
        <translation>{name}：{tile} 像素的图块不能整分为按 {scale}×{scale} 合并的 {patch} 像素图像块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="169"/>
        <location filename="../../bluelm_desktop/core/gguf/pairs.py" line="114"/>
        <source>{name}: projector {projector} is not one llama.cpp knows; the model can still answer text</source>
        <translation>{name}：llama.cpp 不认识投影器 {projector}；模型仍可回答文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="236"/>
        <source>{name}: metadata {key} should be text, got {value}</source>
        <translation>{name}：元数据 {key} 应为文本，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/families.py" line="246"/>
        <source>{name}: metadata {key} should be a positive whole number, got {value}</source>
        <translation>{name}：元数据 {key} 应为正整数，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/pairs.py" line="119"/>
        <source>{path}: projector outputs {proj_dim} values per token but {llm} expects {n_embd}: these files are not a pair</source>
        <translation>{path}：投影器每个 token 输出 {proj_dim} 个值，而 {llm} 需要 {n_embd} 个：这两个文件不是一对</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/pairs.py" line="127"/>
        <source>{path}: the vocabulary lacks the image tokens {tokens} that {projector} needs</source>
        <translation>{path}：词表缺少 {projector} 所需的图像 token {tokens}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/pairs.py" line="133"/>
        <source>{name}: needs about {size} of memory at a {n_ctx}-token context, only {free} is available; close other programs or pick a smaller model or context</source>
        <translation>{name}：在 {n_ctx} 个 token 的上下文下约需 {size} 内存，但只有 {free} 可用；请关闭其他程序，或选择更小的模型或上下文</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="104"/>
        <source>not a regular file</source>
        <translation>不是普通文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="109"/>
        <source>no such file</source>
        <translation>文件不存在</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="111"/>
        <source>cannot read: {error}</source>
        <translation>无法读取：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="114"/>
        <source>empty file, not GGUF</source>
        <translation>空文件，不是 GGUF</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="116"/>
        <source>not a GGUF file (magic {magic}, expected {expected})</source>
        <translation>不是 GGUF 文件（文件标识为 {magic}，应为 {expected}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="124"/>
        <source>corrupt or truncated GGUF: {problem}</source>
        <translation>GGUF 已损坏或不完整：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="131"/>
        <source>unreadable GGUF metadata: {error}</source>
        <translation>无法读取 GGUF 元数据：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="161"/>
        <source>no {key} string</source>
        <translation>没有 {key} 字符串</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/gguf/summary.py" line="398"/>
        <source>cannot estimate RAM: no usable hparam {name}</source>
        <translation>无法估算内存：没有可用的超参数 {name}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="45"/>
        <source>title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="45"/>
        <source>parties</source>
        <translation>当事方</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="45"/>
        <source>effective_date</source>
        <translation>生效日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="46"/>
        <source>term</source>
        <translation>期限</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="46"/>
        <source>renewal</source>
        <translation>续约</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="46"/>
        <source>notice_period</source>
        <translation>通知期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="47"/>
        <source>amounts</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="47"/>
        <source>governing_law</source>
        <translation>适用法律</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="48"/>
        <source>signatories</source>
        <translation>签署人</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="48"/>
        <source>clauses</source>
        <translation>条款列表</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="122"/>
        <source>{field}: not text</source>
        <translation>{field}：不是文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="134"/>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="346"/>
        <source>{field}: not a list</source>
        <translation>{field}：不是列表</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="139"/>
        <source>clause {n}: not an object</source>
        <translation>第 {n} 条：不是对象</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="150"/>
        <source>missing {fields}</source>
        <translation>缺少 {fields}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="157"/>
        <source>{field}: not a calendar date</source>
        <translation>{field}：不是有效的日历日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/contract.py" line="159"/>
        <source>{field}: not a date written YYYY-MM-DD</source>
        <translation>{field}：不是 YYYY-MM-DD 格式的日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="269"/>
        <source>vendor</source>
        <translation>供应商</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="269"/>
        <source>invoice_number</source>
        <translation>发票号码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="270"/>
        <source>invoice_date</source>
        <translation>开票日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="270"/>
        <source>due_date</source>
        <translation>到期日</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="271"/>
        <source>currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="271"/>
        <source>subtotal</source>
        <translation>小计</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="271"/>
        <source>tax</source>
        <translation>税额</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="272"/>
        <source>total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="272"/>
        <source>line_items</source>
        <translation>明细</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="273"/>
        <source>description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="273"/>
        <source>quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="274"/>
        <source>unit_price</source>
        <translation>单价</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="274"/>
        <source>amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="288"/>
        <source>{where}: {value} is not a number</source>
        <translation>{where}：{value} 不是数字</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="289"/>
        <source>{where}: {value} is not a finite number</source>
        <translation>{where}：{value} 不是有限数值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="290"/>
        <source>{where}: {value} is not a date written YYYY-MM-DD</source>
        <translation>{where}：{value} 不是 YYYY-MM-DD 格式的日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="291"/>
        <source>{where}: {value} is not a calendar date</source>
        <translation>{where}：{value} 不是有效的日历日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="292"/>
        <source>{where}: {value} is not text</source>
        <translation>{where}：{value} 不是文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="325"/>
        <source>{where}: {currency!r} is not a three-letter currency code</source>
        <translation>{where}：{currency!r} 不是三个字母的币种代码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="350"/>
        <source>line item {n}: not an object</source>
        <translation>明细第 {n} 行：不是对象</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="354"/>
        <source>line item {n} {field}</source>
        <translation>明细第 {n} 行{field}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="359"/>
        <source>line item {n}: ignored unknown field(s) {fields}</source>
        <translation>明细第 {n} 行：已忽略未知字段 {fields}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="364"/>
        <source>line item {n}: missing {fields}</source>
        <translation>明细第 {n} 行：缺少 {fields}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="368"/>
        <source>ignored unknown field(s): {fields}</source>
        <translation>已忽略未知字段：{fields}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="373"/>
        <source>missing field(s): {fields}</source>
        <translation>缺少字段：{fields}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="529"/>
        <source>the answer is not text</source>
        <translation>回答不是文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="532"/>
        <source>the answer contains no JSON object</source>
        <translation>回答中没有 JSON 对象</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="545"/>
        <source>the answer was cut off before the JSON was complete; the values before the cut were kept</source>
        <translation>回答在 JSON 完整之前被截断；已保留截断之前的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="548"/>
        <source>the answer stops being valid JSON at character {position}; the values before it were kept</source>
        <translation>回答从第 {position} 个字符起不再是有效的 JSON；已保留此前的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="553"/>
        <source>the answer&apos;s JSON is not an object</source>
        <translation>回答中的 JSON 不是对象</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="601"/>
        <source>Line {n}: {quantity} × {price} = {product}, but the amount is {amount}.</source>
        <translation>第 {n} 行：{quantity} × {price} = {product}，但金额为 {amount}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="612"/>
        <source>The line items add up to {sum}, but the subtotal is {subtotal}.</source>
        <translation>明细合计为 {sum}，但小计为 {subtotal}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="628"/>
        <source>Subtotal {base}, but the total is {total}.</source>
        <translation>小计为 {base}，但合计为 {total}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="629"/>
        <source>Line items {base}, but the total is {total}.</source>
        <translation>明细合计 {base}，但合计为 {total}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="631"/>
        <source>Subtotal {base} + tax {tax} = {sum}, but the total is {total}.</source>
        <translation>小计 {base} + 税额 {tax} = {sum}，但合计为 {total}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="633"/>
        <source>Line items {base} + tax {tax} = {sum}, but the total is {total}.</source>
        <translation>明细 {base} + 税额 {tax} = {sum}，但合计为 {total}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="643"/>
        <source>Vendor</source>
        <translation>供应商</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="643"/>
        <source>Invoice number</source>
        <translation>发票号码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="644"/>
        <source>Invoice date</source>
        <translation>开票日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="644"/>
        <source>Due date</source>
        <translation>到期日</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="645"/>
        <source>Subtotal</source>
        <translation>小计</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="645"/>
        <source>Tax</source>
        <translation>税额</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="645"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="662"/>
        <source>{field} {value} is not printed on the pages: check it.</source>
        <translation>{field} {value} 未印在页面上：请核对。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="733"/>
        <source>not an invoice CSV file: the first row must be {columns}</source>
        <translation>不是发票 CSV 文件：第一行必须是 {columns}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tasks/invoice.py" line="748"/>
        <source>row {n} {field}</source>
        <translation>第 {n} 行{field}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/planning.py" line="227"/>
        <source>{name}: no pages to read</source>
        <translation>{name}：没有可读取的页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/planning.py" line="247"/>
        <source>{name}: no text layer to read (a scan or a picture); this model reads text only: choose one with a vision projector</source>
        <translation>{name}：没有可读取的文本层（扫描件或图片）；此模型只能读取文本：请选择带视觉投影器的模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/planning.py" line="255"/>
        <source>{pages} left out: no text layer, and this model reads text only</source>
        <translation>{pages}未读取：没有文本层，而此模型只能读取文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/planning.py" line="279"/>
        <source>pages read at lower detail to fit the context ({budget:,} positions for documents)</source>
        <translation>为适应上下文，页面以较低细节读取（文档可用 {budget:,} 个位置）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/planning.py" line="292"/>
        <source>{pages} left out: the context holds {budget:,} positions for documents (kept the pages that match the question best); a larger context in Settings reads more</source>
        <translation>{pages}未读取：上下文只能为文档容纳 {budget:,} 个位置（保留了与问题最相关的页面）；在设置中增大上下文可读取更多</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/planning.py" line="297"/>
        <source>{pages} left out: the context holds {budget:,} positions for documents; a larger context in Settings reads more</source>
        <translation>{pages}未读取：上下文只能为文档容纳 {budget:,} 个位置；在设置中增大上下文可读取更多</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/planning.py" line="332"/>
        <source>page {pages}</source>
        <translation>第 {pages} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/planning.py" line="333"/>
        <source>pages {pages}</source>
        <translation>第 {pages} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="176"/>
        <source>more than {n} steps (a runaway loop?)</source>
        <translation>超过 {n} 步（失控的循环？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="178"/>
        <source>rendering took longer than {seconds} s</source>
        <translation>渲染耗时超过 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="185"/>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="293"/>
        <source>a value of more than {n} items</source>
        <translation>值超过 {n} 项</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="187"/>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="282"/>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="285"/>
        <source>an integer of more than {n} bits</source>
        <translation>整数超过 {n} 位</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="193"/>
        <source>size argument {value} is above {n}</source>
        <translation>大小参数 {value} 超过 {n}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="201"/>
        <source>format width {width} is above {n}</source>
        <translation>格式宽度 {width} 超过 {n}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="222"/>
        <source>replace would pass {n} characters</source>
        <translation>replace 的结果将超过 {n} 个字符</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="227"/>
        <source>join would pass {n} characters</source>
        <translation>join 的结果将超过 {n} 个字符</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="250"/>
        <source>access to attribute {attribute} of a {kind} object is unsafe</source>
        <translation>访问 {kind} 对象的属性 {attribute} 不安全</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="280"/>
        <source>a repetition of more than {n}</source>
        <translation>重复次数超过 {n}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="306"/>
        <source>a string of more than {n} characters</source>
        <translation>字符串超过 {n} 个字符</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="340"/>
        <source>chat template: {n} characters is too long</source>
        <translation>对话模板：{n} 个字符，过长</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="348"/>
        <source>chat template: syntax error on line {line}: {error}</source>
        <translation>对话模板：第 {line} 行语法错误：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="351"/>
        <source>chat template: cannot compile it ({error})</source>
        <translation>对话模板：无法编译（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="376"/>
        <source>chat template: output passed {n} characters (a runaway loop?)</source>
        <translation>对话模板：输出超过 {n} 个字符（失控的循环？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="382"/>
        <source>chat template: {error}</source>
        <translation>对话模板：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="401"/>
        <source>recursion too deep</source>
        <translation>递归过深</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/chat_template.py" line="403"/>
        <location filename="../../bluelm_desktop/core/history/store.py" line="105"/>
        <source>out of memory</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="96"/>
        <source>llama-cpp-python is not installed (run scripts/setup.sh)</source>
        <translation>未安装 llama-cpp-python（请运行 scripts/setup.sh）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="208"/>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="811"/>
        <source>{path}: file not found</source>
        <translation>{path}：找不到文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="231"/>
        <source>{path}: llama.cpp could not load this model</source>
        <translation>{path}：llama.cpp 无法加载此模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="337"/>
        <source>a {kind} {name} cache needs heads of a multiple of {block} values; this model&apos;s have {size}</source>
        <translation>{kind} 类型的 {name} 缓存要求注意力头大小为 {block} 的倍数；此模型的为 {size}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="346"/>
        <source>flash attention must be one of {choices}</source>
        <translation>Flash Attention 必须是 {choices} 之一</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="350"/>
        <source>KV cache type must be one of {choices}, got {kind}</source>
        <translation>KV 缓存类型必须是 {choices} 之一，实际为 {kind}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="353"/>
        <source>a {kind} V cache needs flash attention (llama.cpp transposes V without it, which a quantized type cannot be)</source>
        <translation>{kind} 值（V）缓存需要 Flash Attention（否则 llama.cpp 会转置 V，而量化类型无法转置）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="375"/>
        <source>n_batch must be in 1..n_ctx ({n_ctx}), got {n_batch}</source>
        <translation>n_batch 必须在 1..n_ctx（{n_ctx}）之间，实际为 {n_batch}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="393"/>
        <source>{path}: could not create a context of {n_ctx} tokens</source>
        <translation>{path}：无法创建 {n_ctx} 个 token 的上下文</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="428"/>
        <source>context full: {n_past} + {n} &gt; {n_ctx} positions</source>
        <translation>上下文已满：{n_past} + {n} &gt; {n_ctx} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="460"/>
        <source>llama_decode failed with code {code}</source>
        <translation>llama_decode 失败，错误码 {code}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="555"/>
        <source>llama.cpp could not remove the tail of the KV cache</source>
        <translation>llama.cpp 无法移除 KV 缓存的末尾</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="578"/>
        <source>llama.cpp could not write the KV cache to {path}</source>
        <translation>llama.cpp 无法将 KV 缓存写入 {path}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="592"/>
        <source>llama.cpp could not restore the KV cache from {path}</source>
        <translation>llama.cpp 无法从 {path} 恢复 KV 缓存</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="608"/>
        <source>llama.cpp could not restore a saved KV cache</source>
        <translation>llama.cpp 无法恢复已保存的 KV 缓存</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="654"/>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="777"/>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="838"/>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="872"/>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="876"/>
        <source>{path}: {function} failed with code {code}</source>
        <translation>{path}：{function} 失败，错误码 {code}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="730"/>
        <source>{name}: an image chunk of {rows} tokens takes {n_pos} positions in a layout the app cannot place</source>
        <translation>{name}：一个 {rows} 个 token 的图像块占用 {n_pos} 个位置，其布局本应用无法安排</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="821"/>
        <source>{path}: llama.cpp could not load this projector</source>
        <translation>{path}：llama.cpp 无法加载此投影器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="828"/>
        <source>{path}: the encoder produced no output</source>
        <translation>{path}：编码器没有输出</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="861"/>
        <source>{path}: {function} failed</source>
        <translation>{path}：{function} 失败</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/native.py" line="965"/>
        <source>{name}: no {key}</source>
        <translation>{name}：没有 {key}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/prompt.py" line="221"/>
        <source>model metadata {key} should be text, got {value}</source>
        <translation>模型元数据 {key} 应为文本，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/prompt.py" line="387"/>
        <source>chat template: it wrote an image placeholder of its own</source>
        <translation>对话模板：模板自行写入了图像占位符</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/prompt.py" line="389"/>
        <source>chat template: image {n} appears more than once</source>
        <translation>对话模板：第 {n} 张图像出现了不止一次</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/prompt.py" line="402"/>
        <source>chat template: image {n} was dropped from the prompt</source>
        <translation>对话模板：第 {n} 张图像从提示词中丢失</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="179"/>
        <source>no integer lies in {minimum}..{maximum}</source>
        <translation>{minimum}..{maximum} 之间没有整数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="198"/>
        <source>{key} must be a finite number, got {value}</source>
        <translation>{key} 必须是有限数值，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="211"/>
        <source>no integer satisfies the schema&apos;s bounds ({lo} &gt; {hi})</source>
        <translation>没有整数满足 schema 的范围（{lo} &gt; {hi}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="285"/>
        <source>a JSON schema must be an object, got {kind}</source>
        <translation>JSON schema 必须是对象，实际为 {kind}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="291"/>
        <source>only local $ref (#/...) are supported, got {ref}</source>
        <translation>仅支持本地 $ref（#/...），实际为 {ref}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="300"/>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="303"/>
        <source>unsupported JSON schema: {reason}</source>
        <translation>不支持的 JSON schema：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="305"/>
        <source>unsupported JSON schema: the converter produced no root rule</source>
        <translation>不支持的 JSON schema：转换器未生成根规则</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="449"/>
        <source>llama.cpp rejected the grammar made from the JSON schema</source>
        <translation>llama.cpp 拒绝了由 JSON schema 生成的语法</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="477"/>
        <source>llama.cpp could not create a sampler chain</source>
        <translation>llama.cpp 无法创建采样器链</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="485"/>
        <source>llama.cpp could not create the {what} sampler</source>
        <translation>llama.cpp 无法创建 {what} 采样器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="523"/>
        <source>llama.cpp has no logits for the last position</source>
        <translation>llama.cpp 没有最后一个位置的 logits</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="542"/>
        <source>the JSON schema&apos;s grammar allows no token of this model&apos;s vocabulary here</source>
        <translation>JSON schema 的语法在此处不允许此模型词表中的任何 token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="543"/>
        <source>the model produced no finite logits</source>
        <translation>模型没有产生有限的 logits</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="547"/>
        <source>llama.cpp&apos;s sampler selected no token (index {index})</source>
        <translation>llama.cpp 的采样器未选出 token（索引 {index}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/sampling.py" line="553"/>
        <source>the sampler chose a token its grammar or penalties ruled out</source>
        <translation>采样器选出了被其语法或惩罚排除的 token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/session.py" line="148"/>
        <source>prefill chunk must be in 1..{n_batch}, got {n_chunk}</source>
        <translation>预填充分块必须在 1..{n_batch} 之间，实际为 {n_chunk}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/session.py" line="244"/>
        <source>the conversation needs {n} positions, the context holds {n_ctx}; start a new conversation or lower the image detail</source>
        <translation>对话需要 {n} 个位置，上下文只能容纳 {n_ctx} 个；请开始新对话或降低图像精细度</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/session.py" line="475"/>
        <location filename="../../bluelm_desktop/core/server/engine.py" line="372"/>
        <source>there is no question to answer again</source>
        <translation>没有可重新回答的问题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/engine/session.py" line="484"/>
        <location filename="../../bluelm_desktop/core/server/engine.py" line="363"/>
        <source>message {index} is not a question that can be edited</source>
        <translation>消息 {index} 不是可编辑的问题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/estimate.py" line="35"/>
        <source>measured here</source>
        <translation>在本机测得</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/estimate.py" line="133"/>
        <source>the tiny demo model measured on the development machine</source>
        <translation>在开发机上测得的微型演示模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/estimate.py" line="141"/>
        <source>a 3B model measured on the development machine (2 CPU cores)</source>
        <translation>在开发机上测得的 3B 模型（2 个 CPU 核心）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/estimate.py" line="186"/>
        <source>guessed from the file sizes and two models measured on the development machine</source>
        <translation>根据文件大小和在开发机上测得的两个模型估算</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/estimate.py" line="255"/>
        <source>measured here on {model}</source>
        <translation>在本机用 {model} 测得</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/files.py" line="142"/>
        <location filename="../../bluelm_desktop/core/paths.py" line="101"/>
        <source>{path}: cannot create directory: {reason}</source>
        <translation>{path}：无法创建文件夹：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/files.py" line="147"/>
        <source>{path}: cannot store attachment: {reason}</source>
        <translation>{path}：无法保存附件：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/files.py" line="155"/>
        <source>{path}: cannot read attachment: {reason}</source>
        <translation>{path}：无法读取附件：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/model.py" line="102"/>
        <source>{path}: the history was damaged ({reason}); it was kept as {moved_to} and a new history was started ({conversations} conversations and {messages} messages recovered)</source>
        <translation>{path}：历史记录已损坏（{reason}）；已保留为 {moved_to} 并新建了历史记录（恢复了 {conversations} 个对话和 {messages} 条消息）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/recovery.py" line="62"/>
        <source>{path}: the history is damaged and cannot be set aside: {reason}</source>
        <translation>{path}：历史记录已损坏且无法移至一旁：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="100"/>
        <source>the history is locked by another program (is the app running twice?)</source>
        <translation>历史记录被另一个程序锁定（应用是否运行了两次？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="102"/>
        <source>permission denied</source>
        <translation>权限不足</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="106"/>
        <source>the file or its folder is read-only</source>
        <translation>文件或其所在文件夹为只读</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="107"/>
        <source>disk input/output error</source>
        <translation>磁盘输入/输出错误</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="108"/>
        <source>the file is damaged</source>
        <translation>文件已损坏</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="109"/>
        <location filename="../../bluelm_desktop/core/models/download.py" line="646"/>
        <source>the disk is full</source>
        <translation>磁盘已满</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="110"/>
        <source>cannot open the file</source>
        <translation>无法打开文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="111"/>
        <source>the file is not a history database (damaged or overwritten)</source>
        <translation>该文件不是历史记录数据库（已损坏或被覆盖）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="216"/>
        <source>check the history</source>
        <translation>检查历史记录</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="229"/>
        <source>create a conversation</source>
        <translation>创建对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="239"/>
        <source>rename a conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="268"/>
        <source>delete a conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="275"/>
        <source>list conversations</source>
        <translation>列出对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="286"/>
        <source>read a conversation</source>
        <translation>读取对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="305"/>
        <source>search the history</source>
        <translation>搜索历史记录</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="374"/>
        <location filename="../../bluelm_desktop/core/history/store.py" line="428"/>
        <source>save a message</source>
        <translation>保存消息</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="432"/>
        <source>read messages</source>
        <translation>读取消息</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="446"/>
        <source>read a message</source>
        <translation>读取消息</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="471"/>
        <source>{path}: message {message} is not in conversation {conversation}</source>
        <translation>{path}：消息 {message} 不在对话 {conversation} 中</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="488"/>
        <source>truncate a conversation</source>
        <translation>截断对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="518"/>
        <source>save an attachment</source>
        <translation>保存附件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="542"/>
        <source>clean up attachments</source>
        <translation>清理附件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="568"/>
        <location filename="../../bluelm_desktop/core/history/store.py" line="588"/>
        <source>save the app state</source>
        <translation>保存应用状态</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="577"/>
        <source>read the app state</source>
        <translation>读取应用状态</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="620"/>
        <source>{path}: cannot start a new history: {reason}</source>
        <translation>{path}：无法新建历史记录：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="640"/>
        <location filename="../../bluelm_desktop/core/history/store.py" line="662"/>
        <location filename="../../bluelm_desktop/core/history/store.py" line="739"/>
        <source>open the history</source>
        <translation>打开历史记录</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="657"/>
        <source>quick check: {result}</source>
        <translation>快速检查：{result}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="668"/>
        <source>{path}: written by a newer BlueLM Desktop (history version {version}; this version reads up to {supported}); left untouched</source>
        <translation>{path}：由更新版本的 BlueLM Desktop 写入（历史记录版本 {version}；此版本最高只能读取 {supported}）；未作改动</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="728"/>
        <source>recover interrupted answers</source>
        <translation>恢复中断的回答</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="763"/>
        <source>index the history</source>
        <translation>为历史记录建立索引</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="906"/>
        <source>save the history</source>
        <translation>保存历史记录</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="913"/>
        <source>{path}: the history is closed</source>
        <translation>{path}：历史记录已关闭</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="961"/>
        <source>{path}: cannot {doing}: {reason}; it will be set aside and repaired when the app starts again</source>
        <translation>{path}：无法{doing}：{reason}；下次启动应用时会将其移至一旁并修复</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="964"/>
        <source>{path}: cannot {doing}: {reason}</source>
        <translation>{path}：无法{doing}：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="969"/>
        <source>{path}: no conversation with id {id} (deleted meanwhile?)</source>
        <translation>{path}：没有 ID 为 {id} 的对话（可能已被删除？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/history/store.py" line="971"/>
        <source>{path}: no message with id {id} (deleted meanwhile?)</source>
        <translation>{path}：没有 ID 为 {id} 的消息（可能已被删除？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/catalog.py" line="35"/>
        <source>MIT (InternVL3) + Apache-2.0 (its Qwen2.5 LLM)</source>
        <translation>MIT（InternVL3）+ Apache-2.0（其 Qwen2.5 LLM）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/catalog.py" line="36"/>
        <source>LFM Open License v1.0 (free below USD 10M annual revenue)</source>
        <translation>LFM Open License v1.0（年收入低于 1000 万美元可免费使用）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/catalog.py" line="79"/>
        <source>1B parameters (Qwen2.5-0.5B LLM): quick on documents and screenshots.</source>
        <translation>10 亿参数（Qwen2.5-0.5B LLM）：处理文档和截图速度快。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/catalog.py" line="91"/>
        <source>2B parameters (Qwen2.5-1.5B LLM): better answers, about twice as slow.</source>
        <translation>20 亿参数（Qwen2.5-1.5B LLM）：回答更好，速度约慢一倍。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/catalog.py" line="103"/>
        <source>The smallest pair, under 500 MB: for older laptops; English only.</source>
        <translation>最小的一对，不到 500 MB：适合较旧的笔记本电脑；仅支持英语。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/catalog.py" line="115"/>
        <source>1.6B parameters with a larger vision encoder than the 450M; English only.</source>
        <translation>16 亿参数，视觉编码器比 450M 版本更大；仅支持英语。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="211"/>
        <source>{folder}: cannot create the folder: {problem}</source>
        <translation>{folder}：无法创建文件夹：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="254"/>
        <source>{repo}: cannot download: huggingface_hub is not installed ({error})</source>
        <translation>{repo}：无法下载：未安装 huggingface_hub（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="293"/>
        <source>{file}: the server&apos;s answer lacks the X-Repo-Commit or ETag header; it is not a Hugging Face hub</source>
        <translation>{file}：服务器的响应缺少 X-Repo-Commit 或 ETag 标头；它不是 Hugging Face Hub</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="300"/>
        <source>{file}: the hub&apos;s sha256 is {etag} but the catalog pins {pin}; the catalog entry is out of date</source>
        <translation>{file}：Hub 上的 sha256 为 {etag}，但目录固定的是 {pin}；该目录条目已过时</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="337"/>
        <source>{repo}: not enough free disk space in {folder}: {need} needed, {free} free</source>
        <translation>{repo}：{folder} 中的可用磁盘空间不足：需要 {need}，可用 {free}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="417"/>
        <source>the server does not resume this file</source>
        <translation>服务器不支持续传此文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="467"/>
        <source>the server sent {have} of {size} bytes</source>
        <translation>服务器只发送了 {size} 字节中的 {have} 字节</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="476"/>
        <location filename="../../bluelm_desktop/core/models/library.py" line="390"/>
        <source>{path}: cannot write: {problem}</source>
        <translation>{path}：无法写入：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="503"/>
        <source>{file}: downloaded {size} bytes, the hub says {expected}</source>
        <translation>{file}：已下载 {size} 字节，而 Hub 给出的大小为 {expected}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="513"/>
        <location filename="../../bluelm_desktop/core/models/library.py" line="337"/>
        <source>{path}: cannot read: {problem}</source>
        <translation>{path}：无法读取：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="516"/>
        <source>{file}: {hash} mismatch: expected {expected}, got {got}; the damaged file was deleted, download it again</source>
        <translation>{file}：{hash} 不匹配：应为 {expected}，实际为 {got}；已删除损坏的文件，请重新下载</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="524"/>
        <source>{file}: pinned sha256 mismatch: expected {expected}, got {got}; the damaged file was deleted, download it again</source>
        <translation>{file}：与固定的 sha256 不匹配：应为 {expected}，实际为 {got}；已删除损坏的文件，请重新下载</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="535"/>
        <source>{path}: cannot rename: {problem}</source>
        <translation>{path}：无法重命名：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="565"/>
        <source>{repo}: not a usable model pair: {problem}</source>
        <translation>{repo}：不是可用的模型文件对：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="586"/>
        <source>{folder}: cannot install {model}: {problem}</source>
        <translation>{folder}：无法安装 {model}：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="600"/>
        <source>{model}: already being downloaded</source>
        <translation>{model}：已在下载中</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="611"/>
        <source>{model}: download cancelled</source>
        <translation>{model}：下载已取消</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="640"/>
        <source>{n} bytes</source>
        <translation>{n} 字节</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="655"/>
        <source>{file}: {problem} (after {attempts} attempts; downloading again resumes what was kept)</source>
        <translation>{file}：{problem}（已尝试 {attempts} 次；再次下载会接着已保存的部分继续）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="658"/>
        <source>{file}: {problem}</source>
        <translation>{file}：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="746"/>
        <source>no such file in the repository (HTTP 404)</source>
        <translation>仓库中没有此文件（HTTP 404）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="748"/>
        <source>no revision {revision!r} in the repository</source>
        <translation>仓库中没有修订版本 {revision!r}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="751"/>
        <source>the repository is gated: accept its terms on the hub and give a token</source>
        <translation>该仓库需申请访问：请在 Hub 上接受其条款并提供 token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="754"/>
        <source>no such repository (or it is private and needs a token)</source>
        <translation>没有此仓库（或它是私有的，需要 token）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="758"/>
        <source>not found on the server (HTTP 404)</source>
        <translation>服务器上找不到（HTTP 404）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="760"/>
        <source>access denied (HTTP {status}); the repository may need a token</source>
        <translation>访问被拒绝（HTTP {status}）；该仓库可能需要 token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="762"/>
        <source>the server answered HTTP {status}</source>
        <translation>服务器返回 HTTP {status}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="764"/>
        <source>HF_HUB_OFFLINE is set, so huggingface_hub refuses to go online</source>
        <translation>已设置 HF_HUB_OFFLINE，因此 huggingface_hub 拒绝联网</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="766"/>
        <source>no Hugging Face token found</source>
        <translation>未找到 Hugging Face token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="770"/>
        <source>TLS certificate verification failed ({detail})</source>
        <translation>TLS 证书验证失败（{detail}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="773"/>
        <source>TLS failed ({detail})</source>
        <translation>TLS 失败（{detail}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="775"/>
        <source>the connection timed out</source>
        <translation>连接超时</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="777"/>
        <source>cannot connect ({detail})</source>
        <translation>无法连接（{detail}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/download.py" line="778"/>
        <source>the connection broke ({detail})</source>
        <translation>连接中断（{detail}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/library.py" line="165"/>
        <source>{name}: is a vision projector (mmproj), not a language model</source>
        <translation>{name}：这是视觉投影器（mmproj），不是语言模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/library.py" line="171"/>
        <source>{name}: is a language model, not a vision projector (mmproj)</source>
        <translation>{name}：这是语言模型，不是视觉投影器（mmproj）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/library.py" line="290"/>
        <source>cannot read the models folder: {error}</source>
        <translation>无法读取模型文件夹：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/library.py" line="311"/>
        <source>{name}: vision projector without its LLM ({llm})</source>
        <translation>{name}：视觉投影器缺少对应的 LLM（{llm}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/library.py" line="342"/>
        <source>{path}: not valid JSON ({error})</source>
        <translation>{path}：不是有效的 JSON（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/library.py" line="345"/>
        <source>{path}: expected {{&quot;version&quot;: 1, &quot;models&quot;: [...]}}</source>
        <translation>{path}：应为 {{&quot;version&quot;: 1, &quot;models&quot;: [...]}}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/library.py" line="349"/>
        <source>{path}: version {version!r} is newer than this app understands</source>
        <translation>{path}：版本 {version!r} 比本应用能识别的版本更新</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/models/library.py" line="356"/>
        <source>{path}: bad entry {entry!r}</source>
        <translation>{path}：无效条目 {entry!r}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tune.py" line="79"/>
        <source>encoding a tile and prefilling it</source>
        <translation>编码一个图块并预填充</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tune.py" line="80"/>
        <source>{n} tiles pipelined</source>
        <translation>{n} 个图块，编码与预填充并行</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tune.py" line="81"/>
        <source>{n} tiles one stage at a time</source>
        <translation>{n} 个图块，逐阶段进行</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tune.py" line="82"/>
        <source>{n} tiles one by one and in one batch</source>
        <translation>{n} 个图块，逐个编码与批量编码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tune.py" line="83"/>
        <source>decoding</source>
        <translation>解码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/tune.py" line="84"/>
        <source>attention: {variant}</source>
        <translation>注意力：{variant}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="162"/>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="165"/>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="171"/>
        <source>{name} must be ≥ 1, got {value}</source>
        <translation>{name} 必须 ≥ 1，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="168"/>
        <source>{name} must be ≥ 0, got {value}</source>
        <translation>{name} 必须 ≥ 0，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="174"/>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="184"/>
        <source>{name} must be ≥ 1 or None, got {value}</source>
        <translation>{name} 必须 ≥ 1 或为 None，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="177"/>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="180"/>
        <source>{name} must be one of {choices}, got {value}</source>
        <translation>{name} 必须是 {choices} 之一，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="223"/>
        <source>bad tiling metadata in the model: {problem}</source>
        <translation>模型中的图块切分元数据有误：{problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="246"/>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="253"/>
        <source>model metadata {key} should be an integer, got {value}</source>
        <translation>模型元数据 {key} 应为整数，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="263"/>
        <source>model metadata {key} should be a number, got {value}</source>
        <translation>模型元数据 {key} 应为数值，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/vision/tiling.py" line="275"/>
        <source>model metadata {key} should be a string, got {value}</source>
        <translation>模型元数据 {key} 应为字符串，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/paths.py" line="99"/>
        <source>{path}: exists and is not a directory</source>
        <translation>{path}：已存在且不是文件夹</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="88"/>
        <source>not a server URL: {url!r} ({error})</source>
        <translation>不是服务器地址：{url!r}（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="91"/>
        <source>not a server URL: {url!r} (expected http://HOST:PORT or https://HOST[:PORT])</source>
        <translation>不是服务器地址：{url!r}（应为 http://主机:端口 或 https://主机[:端口]）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="95"/>
        <source>not a server URL: {url!r} (the host name has a space or a character no host name has)</source>
        <translation>不是服务器地址：{url!r}（主机名含有空格或主机名中不可能出现的字符）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="98"/>
        <source>{host}: put no user or password in the server URL (it would show wherever the URL is printed); give an API key</source>
        <translation>{host}：服务器地址中不要包含用户名或密码（地址显示在哪里，它们就会显示在哪里）；请改用 API 密钥</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="102"/>
        <source>not a server URL: {url!r} (no ?query or #fragment)</source>
        <translation>不是服务器地址：{url!r}（不能含 ?查询 或 #片段）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="105"/>
        <source>server timeouts must be more than 0 s</source>
        <translation>服务器超时必须大于 0 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="108"/>
        <location filename="../../bluelm_desktop/core/server/keys.py" line="72"/>
        <source>the server API key must be one word of printable characters</source>
        <translation>服务器 API 密钥必须是由可打印字符组成的一个词</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="161"/>
        <source>{server}: {model}, with vision, {slots} slot of {positions} positions</source>
        <translation>{server}：{model}，支持视觉，{slots} 个槽位，每个 {positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="163"/>
        <source>{server}: {model}, with vision, {slots} slots of {positions} positions</source>
        <translation>{server}：{model}，支持视觉，{slots} 个槽位，每个 {positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="166"/>
        <source>{server}: {model}, text only (no --mmproj), {slots} slot of {positions} positions</source>
        <translation>{server}：{model}，仅文本（未加 --mmproj），{slots} 个槽位，每个 {positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="168"/>
        <source>{server}: {model}, text only (no --mmproj), {slots} slots of {positions} positions</source>
        <translation>{server}：{model}，仅文本（未加 --mmproj），{slots} 个槽位，每个 {positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="206"/>
        <source>a page as an image</source>
        <translation>以图像发送的页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="207"/>
        <source>{server}: the server has no vision projector (llama-server was started without --mmproj); {what} needs one</source>
        <translation>{server}：服务器没有视觉投影器（llama-server 启动时未加 --mmproj）；{what}需要视觉投影器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="277"/>
        <source>{server}: the answer was cut off (the server closed the stream before its end)</source>
        <translation>{server}：回答被截断（服务器在流结束前关闭了它）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="292"/>
        <source>{server}: not an answer stream (an event is not JSON: {event!r})</source>
        <translation>{server}：不是回答流（有事件不是 JSON：{event!r}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="298"/>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="501"/>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="503"/>
        <source>{server}: {error}</source>
        <translation>{server}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="343"/>
        <source>{path}: cannot read the certificates ({error})</source>
        <translation>{path}：无法读取证书（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="393"/>
        <source>{server}: not a llama.cpp server (its /props has no total_slots)</source>
        <translation>{server}：不是 llama.cpp 服务器（其 /props 没有 total_slots）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="414"/>
        <source>{server}: /tokenize gave no tokens</source>
        <translation>{server}：/tokenize 没有返回 token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="434"/>
        <source>{server}: no API key was given (401)</source>
        <translation>{server}：未提供 API 密钥（401）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="435"/>
        <source>{server}: the API key was refused (401)</source>
        <translation>{server}：API 密钥被拒绝（401）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="438"/>
        <source>{server}: forbidden (403): {detail}</source>
        <translation>{server}：禁止访问（403）：{detail}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="440"/>
        <source>{server}: forbidden (403)</source>
        <translation>{server}：禁止访问（403）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="442"/>
        <source>{server}: not a llama.cpp server ({path}: 404)</source>
        <translation>{server}：不是 llama.cpp 服务器（{path}：404）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="445"/>
        <source>{server}: the server is still loading its model (503); try again when it is up</source>
        <translation>{server}：服务器仍在加载模型（503）；请在其就绪后重试</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="449"/>
        <source>{server}: unavailable ({status}: {detail})</source>
        <translation>{server}：不可用（{status}：{detail}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="451"/>
        <source>{server}: unavailable ({status})</source>
        <translation>{server}：不可用（{status}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="454"/>
        <source>{server}: redirected elsewhere ({status}); give the address the server itself has</source>
        <translation>{server}：被重定向到别处（{status}）；请填写服务器本身的地址</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="458"/>
        <source>{server}: {detail} ({status})</source>
        <translation>{server}：{detail}（{status}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="460"/>
        <source>{server}: the request was refused ({status})</source>
        <translation>{server}：请求被拒绝（{status}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="473"/>
        <source>{server}: connection refused (is llama-server running there?)</source>
        <translation>{server}：连接被拒绝（llama-server 是否在那里运行？）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="476"/>
        <source>{server}: no such host (name lookup failed)</source>
        <translation>{server}：找不到该主机（域名解析失败）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="481"/>
        <source>{server}: the TLS certificate is not trusted ({reason})</source>
        <translation>{server}：TLS 证书不受信任（{reason}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="484"/>
        <source>{server}: TLS failed ({error}); is it https?</source>
        <translation>{server}：TLS 失败（{error}）；它是 https 吗？</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="487"/>
        <source>{server}: no connection within {seconds} s (timeout)</source>
        <translation>{server}：{seconds} 秒内未能连接（超时）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="491"/>
        <source>{server}: no answer within {seconds} s (timeout)</source>
        <translation>{server}：{seconds} 秒内没有应答（超时）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="494"/>
        <source>{server}: the connection closed mid-answer ({error})</source>
        <translation>{server}：回答途中连接已关闭（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="500"/>
        <source>{server}: lost</source>
        <translation>{server}：连接中断</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/connection.py" line="511"/>
        <source>{server}: not a llama.cpp server ({path} is not JSON)</source>
        <translation>{server}：不是 llama.cpp 服务器（{path} 不是 JSON）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/engine.py" line="301"/>
        <source>answers come from llama-server at {server}</source>
        <translation>回答来自 llama-server：{server}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/engine.py" line="310"/>
        <source>pages go whole: {reason}</source>
        <translation>页面整张发送：{reason}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/engine.py" line="341"/>
        <source>page {page}: {tiles} tiles for a layout of {expected}</source>
        <translation>页 {page}：收到 {tiles} 个图块，而布局为 {expected} 个</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/engine.py" line="425"/>
        <source>page {page} is not ready; attach the document again</source>
        <translation>页 {page} 尚未就绪；请重新附加文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/engine.py" line="436"/>
        <source>no server is connected</source>
        <translation>未连接服务器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/server/keys.py" line="76"/>
        <source>{path}: cannot save the server API key: {error}</source>
        <translation>{path}：无法保存服务器 API 密钥：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="119"/>
        <location filename="../../bluelm_desktop/core/settings.py" line="123"/>
        <location filename="../../bluelm_desktop/core/settings.py" line="220"/>
        <source>must be {want}, got {value}</source>
        <translation>应为{want}，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="126"/>
        <source>must be one line of printable text, got {value}</source>
        <translation>应为一行可打印的文本，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="129"/>
        <source>must be at most {count} characters long</source>
        <translation>长度不能超过 {count} 个字符</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="136"/>
        <source>one of {choices}</source>
        <translation>以下之一：{choices}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="140"/>
        <source>&gt; {lo} and ≤ {hi}</source>
        <translation>大于 {lo} 且不大于 {hi} 的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="141"/>
        <source>in {lo}..{hi}</source>
        <translation>介于 {lo} 和 {hi} 之间的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="144"/>
        <source>&gt; {lo}</source>
        <translation>大于 {lo} 的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="145"/>
        <source>≥ {lo}</source>
        <translation>不小于 {lo} 的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="147"/>
        <source>≤ {hi}</source>
        <translation>不大于 {hi} 的值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="148"/>
        <source>any value</source>
        <translation>任意值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="191"/>
        <source>true or false</source>
        <translation>布尔值 true 或 false</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="192"/>
        <source>a whole number</source>
        <translation>整数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="193"/>
        <source>a number</source>
        <translation>数值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="194"/>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="213"/>
        <source>a table</source>
        <translation>表</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="215"/>
        <source>a list</source>
        <translation>列表</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="230"/>
        <source>must be set</source>
        <translation>必须设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="243"/>
        <source>must be a finite number, got {value}</source>
        <translation>应为有限数值，实际为 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="250"/>
        <source>must not be empty</source>
        <translation>不能为空</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="255"/>
        <source>contains characters that cannot be saved</source>
        <translation>包含无法保存的字符</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="276"/>
        <source>{setting} {problem}</source>
        <translation>{setting} {problem}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="533"/>
        <source>ui.dark: must be true or false, got {value}; using the default theme</source>
        <translation>ui.dark：应为 true 或 false，实际为 {value}；使用默认主题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="545"/>
        <source>schema_version: must be a whole number ≥ 1, got {value}; read as the oldest schema</source>
        <translation>schema_version：应为不小于 1 的整数，实际为 {value}；按最旧的格式版本读取</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="551"/>
        <source>schema_version: {version} is newer than this app understands ({current}); settings it does not know are ignored and will be dropped when settings are saved</source>
        <translation>schema_version：{version} 比本应用支持的版本（{current}）更新；无法识别的设置将被忽略，并会在保存设置时丢弃</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="563"/>
        <source>settings from schema {version} could not be upgraded ({kind}: {error}); some settings may be back to their defaults</source>
        <translation>无法升级格式版本 {version} 的设置（{kind}：{error}）；部分设置可能已恢复为默认值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="632"/>
        <source>{name}: cannot read ({reason}); using defaults</source>
        <translation>{name}：无法读取（{reason}）；使用默认值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="639"/>
        <source>not UTF-8 text</source>
        <translation>不是 UTF-8 文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="640"/>
        <source>not valid TOML ({error})</source>
        <translation>不是有效的 TOML（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="645"/>
        <source>{name}: {problem}; could not move it aside ({reason}); using defaults</source>
        <translation>{name}：{problem}；无法将其移到别处（{reason}）；使用默认值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="648"/>
        <source>{name}: {problem}; moved aside to {moved}, using defaults</source>
        <translation>{name}：{problem}；已移至 {moved}，使用默认值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="666"/>
        <location filename="../../bluelm_desktop/core/settings.py" line="688"/>
        <source>{key}: unknown setting, ignored</source>
        <translation>{key}：未知设置，已忽略</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="673"/>
        <source>{section}: must be a table ([{section}]), got {value}; using defaults</source>
        <translation>{section}：应为表（[{section}]），实际为 {value}；使用默认值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="694"/>
        <source>left unset</source>
        <translation>保持未设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="695"/>
        <source>using {value}</source>
        <translation>改用 {value}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="696"/>
        <source>{key}: {problem}; {fallback}</source>
        <translation>{key}：{problem}；{fallback}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/core/settings.py" line="726"/>
        <source>{path}: cannot save settings: {reason}</source>
        <translation>{path}：无法保存设置：{reason}</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <location filename="../../bluelm_desktop/ui/app.py" line="63"/>
        <source>History is off for this session: {error}</source>
        <translation>本次会话不保存历史记录：{error}</translation>
    </message>
</context>
<context>
    <name>CatalogModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="269"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="269"/>
        <source>Projector</source>
        <translation>投影器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="269"/>
        <source>Download size</source>
        <translation>下载大小</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="270"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="73"/>
        <source>Stopped — the answer so far is kept.</source>
        <translation>已停止——已保留目前生成的回答。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="91"/>
        <source>Attached: {names}</source>
        <translation>附件：{names}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="90"/>
        <source>ready</source>
        <translation>已就绪</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="91"/>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="94"/>
        <source>reading page {page} of {total}</source>
        <translation>正在读取第 {page} 页，共 {total} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="97"/>
        <source>Reading page {page} of {total}</source>
        <translation>正在读取第 {page} 页，共 {total} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="100"/>
        <source>reading page {page} of {total} (tile {done} of {tiles})</source>
        <translation>正在读取第 {page} 页，共 {total} 页（图块 {done}/{tiles}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="104"/>
        <source>Reading page {page} of {total} (tile {done} of {tiles})</source>
        <translation>正在读取第 {page} 页，共 {total} 页（图块 {done}/{tiles}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="118"/>
        <source>{name} (1 page)</source>
        <translation>{name}（1 页）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/pending_documents.py" line="121"/>
        <source>{name} ({pages} pages)</source>
        <translation>{name}（{pages} 页）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="243"/>
        <source>Could not open the conversation</source>
        <translation>无法打开对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="329"/>
        <source>Could not read the history</source>
        <translation>无法读取历史记录</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="322"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="374"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="699"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="836"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="849"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="862"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="869"/>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="896"/>
        <source>Not saved in the history</source>
        <translation>未保存到历史记录</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="97"/>
        <source>Sees: {documents}</source>
        <translation>可见文档：{documents}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="272"/>
        <source>{name} is no longer in the history: the next question does not see it.</source>
        <translation>{name} 已不在历史记录中：下一个问题将看不到它。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="392"/>
        <source>This model reads text only. Choose a model with a vision projector (mmproj) to ask about documents.</source>
        <translation>此模型只能读取文本。要询问文档内容，请选择带视觉投影器（mmproj）的模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="505"/>
        <source>The document was not saved in the history: {error}</source>
        <translation>文档未保存到历史记录：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="935"/>
        <source>Could not read {name}: {message}</source>
        <translation>无法读取 {name}：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="602"/>
        <source>{progress}… your question will be answered when it is done.</source>
        <translation>{progress}…读取完成后将回答你的问题。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="536"/>
        <source>No room for {names} in this conversation: its earlier turns hold {held} of the context&apos;s {context} positions. Start a new conversation to ask about it.</source>
        <translation>此对话中已没有空间容纳 {names}：之前的对话已占用上下文 {context} 个位置中的 {held} 个。请新建对话来询问它。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="541"/>
        <source>No room for {names}: not one page fits the context. A larger context in Settings reads more.</source>
        <translation>没有空间容纳 {names}：没有一页能放进上下文。在设置中增大上下文可读取更多。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="737"/>
        <source>The question was not sent; the document is still being read.</source>
        <translation>问题未发送：文档仍在读取中。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="746"/>
        <source>Answering…</source>
        <translation>正在回答…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="807"/>
        <source>Ready.</source>
        <translation>就绪。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="809"/>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="811"/>
        <source>The answer failed: {message}</source>
        <translation>回答失败：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="822"/>
        <source>{doing}: {error}</source>
        <translation>{doing}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="825"/>
        <source>{doing}: internal error ({kind}: {error})</source>
        <translation>{doing}：内部错误（{kind}：{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="933"/>
        <source>Could not read {message}</source>
        <translation>无法读取 {message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="963"/>
        <source>Found on {where}</source>
        <translation>出处：{where}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="974"/>
        <source>cut off at the longest answer ({tokens} tokens): raise it in Settings → Answers</source>
        <translation>在“最长回答”处截断（{tokens} 个 token）：可在“设置 → 回答”中调大</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="978"/>
        <source>cut off: the conversation filled the model&apos;s context; start a new conversation to go on</source>
        <translation>已截断：对话已占满模型的上下文；请新建对话继续</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_controller.py" line="987"/>
        <source>{tokens} tokens · {speed} tokens/s · first token after {seconds} s</source>
        <translation>{tokens} 个 token · {speed} token/秒 · 首个 token 用时 {seconds} 秒</translation>
    </message>
</context>
<context>
    <name>ChatPane</name>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="485"/>
        <source>Ask anything, or drop a document here (an image or a PDF).

Reading starts the moment it arrives, while you type your question.</source>
        <translation>有问题尽管问，也可以把文档（图片或 PDF）拖到这里。

文档一到就开始读取，你可以同时输入问题。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="490"/>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="491"/>
        <source>The questions and answers, oldest first</source>
        <translation>问题与回答，按时间从早到晚</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="496"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="497"/>
        <source>Stop the answer here (Esc); what was written is kept</source>
        <translation>在此停止回答（Esc），已生成的内容会保留</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="499"/>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="500"/>
        <source>Answer the last question again</source>
        <translation>重新回答上一个问题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="501"/>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="568"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="502"/>
        <source>Copy the selected message, or the last answer, as markdown</source>
        <translation>将所选消息或最后一条回答复制为 Markdown</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="559"/>
        <source>Copied.</source>
        <translation>已复制。</translation>
    </message>
</context>
<context>
    <name>ClausesModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="138"/>
        <source>Clause</source>
        <translation>条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="138"/>
        <source>Page</source>
        <translation>页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="138"/>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="159"/>
        <source>The clause&apos;s title is printed on this page.</source>
        <translation>该条款的标题印在此页上。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="160"/>
        <source>The page the model gave; the title was not found printed there.</source>
        <translation>这是模型给出的页码；在该页上没有找到印出的标题。</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="31"/>
        <source>Pasted image</source>
        <translation>粘贴的图片</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="32"/>
        <source>Screen capture</source>
        <translation>屏幕截图</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="34"/>
        <source>Add images or PDFs (you can also drop or paste them)</source>
        <translation>添加图片或 PDF（也可以拖放或粘贴）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="36"/>
        <source>Select part of the screen and ask about it</source>
        <translation>框选屏幕的一部分，然后就其提问</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="46"/>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="47"/>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="123"/>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="125"/>
        <source>Enter sends the question, Shift+Enter starts a new line; pasting an image or a file attaches it</source>
        <translation>回车发送问题，Shift+回车换行；粘贴图片或文件即可附加</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="127"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="129"/>
        <source>Send the question (Enter)</source>
        <translation>发送问题（回车）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="130"/>
        <source>Attach…</source>
        <translation>添加附件…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="132"/>
        <source>Capture screen region</source>
        <translation>截取屏幕区域</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="204"/>
        <source>Attach documents</source>
        <translation>添加文档</translation>
    </message>
</context>
<context>
    <name>ContractPanel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="212"/>
        <source>Contract terms</source>
        <translation>合同条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="215"/>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="227"/>
        <source>Clauses</source>
        <translation>条款列表</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="225"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="226"/>
        <source>Export JSON…</source>
        <translation>导出 JSON…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="227"/>
        <source>Key terms</source>
        <translation>关键条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="278"/>
        <source>Export contract terms as CSV</source>
        <translation>将合同条款导出为 CSV</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="279"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="283"/>
        <source>Export contract terms as JSON</source>
        <translation>将合同条款导出为 JSON</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="284"/>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="297"/>
        <source>Could not save {name}: {error}</source>
        <translation>无法保存 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="303"/>
        <source>Saved {name}.</source>
        <translation>已保存 {name}。</translation>
    </message>
</context>
<context>
    <name>ContractTermsModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="84"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="84"/>
        <source>Parties</source>
        <translation>当事方</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="84"/>
        <source>Effective date</source>
        <translation>生效日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="85"/>
        <source>Term</source>
        <translation>期限</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="85"/>
        <source>Renewal</source>
        <translation>续约</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="85"/>
        <source>Notice period</source>
        <translation>通知期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="86"/>
        <source>Amounts</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="86"/>
        <source>Governing law</source>
        <translation>适用法律</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="86"/>
        <source>Signatories</source>
        <translation>签署人</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="101"/>
        <source>YYYY-MM-DD</source>
        <translation>YYYY-MM-DD</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="111"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/contract_table.py" line="123"/>
        <source>“{text}” is not a date: write dates as YYYY-MM-DD.</source>
        <translation>“{text}”不是日期：请按 YYYY-MM-DD 书写日期。</translation>
    </message>
</context>
<context>
    <name>ConversationListModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="82"/>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
</context>
<context>
    <name>DocumentPanel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="120"/>
        <source>Fast</source>
        <translation>快速</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="121"/>
        <source>Fine print</source>
        <translation>精细</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="48"/>
        <source>No document attached.

Attach an image or a PDF, paste an image or capture a screen region: its tiles, image tokens and the time they take show here before anything runs.</source>
        <translation>未附加文档。

添加图片或 PDF、粘贴图片或截取屏幕区域后，开始处理之前，这里会显示它的图块、图像 token 数和所需时间。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="21"/>
        <source>1 tile</source>
        <translation>1 个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="23"/>
        <source>{grid} grid + thumbnail</source>
        <translation>{grid} 网格 + 缩略图</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="25"/>
        <source>{grid} grid</source>
        <translation>{grid} 网格</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="39"/>
        <source>under 1 s</source>
        <translation>不到 1 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="45"/>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} 小时 {minutes} 分</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="48"/>
        <source>{minutes} min {seconds} s</source>
        <translation>{minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="51"/>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="53"/>
        <source>{seconds} s</source>
        <translation>{seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="58"/>
        <source>{tiles} tile · {tokens} image tokens · ≈ {duration}</source>
        <translation>{tiles} 个图块 · {tokens} 个图像 token · ≈ {duration}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="60"/>
        <source>{tiles} tiles · {tokens} image tokens · ≈ {duration}</source>
        <translation>{tiles} 个图块 · {tokens} 个图像 token · ≈ {duration}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="69"/>
        <source>{count} page</source>
        <translation>{count} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="71"/>
        <source>{count} pages</source>
        <translation>{count} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="75"/>
        <source>first {count} used</source>
        <translation>仅使用前 {count} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="77"/>
        <source>text layer</source>
        <translation>含文本层</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="79"/>
        <source>no text layer (scanned)</source>
        <translation>无文本层（扫描件）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="81"/>
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="82"/>
        <source>{format} image</source>
        <translation>{format} 图片</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="87"/>
        <source>{count} frames</source>
        <translation>{count} 帧</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="195"/>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="453"/>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="506"/>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="208"/>
        <source>Detail:</source>
        <translation>精细度：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="209"/>
        <source>How many tiles a page is cut into: more tiles read smaller text and take longer.</source>
        <translation>一页切成多少个图块：图块越多，越能看清小字，但耗时也越长。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="219"/>
        <source>Detail: {preset}</source>
        <translation>细节：{preset}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="252"/>
        <source>Pages</source>
        <translation>页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="253"/>
        <source>The document&apos;s pages; the one chosen is shown with its tiles above</source>
        <translation>文档的各页；选中的一页连同其图块显示在上方</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="259"/>
        <source>Send this page as:</source>
        <translation>此页发送为：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="261"/>
        <source>its text layer</source>
        <translation>其文本层</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="261"/>
        <source>tiles</source>
        <translation>图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="262"/>
        <source>text layer and tiles</source>
        <translation>文本层和图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="264"/>
        <source>Send this page as</source>
        <translation>此页发送为</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="266"/>
        <source>A page whose PDF holds its words goes as that text (exact, fast); tiles let the model see what the words miss: stamps, signatures, handwriting, charts.</source>
        <translation>PDF 中含有文字的页面会以文本发送（准确、快速）；图块让模型看到文字之外的内容：印章、签名、手写和图表。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="352"/>
        <source>Opening…</source>
        <translation>正在打开…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="353"/>
        <source>Opening {name}…</source>
        <translation>正在打开 {name}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="367"/>
        <source>The answer&apos;s values are marked on page {pages}.</source>
        <translation>答案中的数值已在第 {pages} 页标出。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="410"/>
        <source>Encoding page {page}: {done} of {total} tiles</source>
        <translation>正在编码第 {page} 页：{done}/{total} 个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="413"/>
        <source>Page {page} encoded ({total} tiles)</source>
        <translation>第 {page} 页已编码（{total} 个图块）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="455"/>
        <source>Nothing attached</source>
        <translation>未附加任何内容</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="509"/>
        <source>Could not be opened</source>
        <translation>无法打开</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="551"/>
        <source>Page {page} could not be shown: {message}</source>
        <translation>无法显示第 {page} 页：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="574"/>
        <source>Rendering page {page}…</source>
        <translation>正在渲染第 {page} 页…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="98"/>
        <source>Page {page}: </source>
        <translation>第 {page} 页：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="101"/>
        <source>&lt;b&gt;left out&lt;/b&gt; · the context has no room for it</source>
        <translation>&lt;b&gt;未读取&lt;/b&gt; · 上下文没有空间容纳此页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="104"/>
        <source>&lt;b&gt;its text layer&lt;/b&gt; · ≈ {tokens} tokens</source>
        <translation>&lt;b&gt;其文本层&lt;/b&gt; · ≈ {tokens} 个词元</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="108"/>
        <source>{text} · no tiles to encode (born-digital: exact and fast)</source>
        <translation>{text} · 无需编码图块（原生电子文档：准确且快速）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="110"/>
        <source>The page&apos;s words are in the PDF and cover what is printed on it, so the model reads them as text: no tiles to encode.</source>
        <translation>此页的文字就在 PDF 中，并覆盖了页面上印出的内容，因此模型将其作为文本读取：无需编码图块。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="117"/>
        <source>&lt;b&gt;Whole page&lt;/b&gt; · the model cuts it into its own tiles (llama.cpp), counted when encoding starts</source>
        <translation>&lt;b&gt;整页&lt;/b&gt; · 由模型自行切分图块（llama.cpp），开始编码时计数</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="119"/>
        <source>This model lays out its images itself, as it was trained; the tile grid and the image-token budget apply to models whose tiles the app cuts.</source>
        <translation>此模型按其训练方式自行排布图像；图块网格和图像 token 预算仅适用于由本应用切分图块的模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="122"/>
        <source>&lt;b&gt;{tiles} tile&lt;/b&gt; ({grid}) · &lt;b&gt;{tokens}&lt;/b&gt; image tokens · ≈ &lt;b&gt;{duration}&lt;/b&gt; to encode and prefill</source>
        <translation>&lt;b&gt;{tiles} 个图块&lt;/b&gt;（{grid}）· &lt;b&gt;{tokens}&lt;/b&gt; 个图像 token · 编码和预填充约需 &lt;b&gt;{duration}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="125"/>
        <source>&lt;b&gt;{tiles} tiles&lt;/b&gt; ({grid}) · &lt;b&gt;{tokens}&lt;/b&gt; image tokens · ≈ &lt;b&gt;{duration}&lt;/b&gt; to encode and prefill</source>
        <translation>&lt;b&gt;{tiles} 个图块&lt;/b&gt;（{grid}）· &lt;b&gt;{tokens}&lt;/b&gt; 个图像 token · 编码和预填充约需 &lt;b&gt;{duration}&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="141"/>
        <source>{count} as text (≈ {tokens} tokens)</source>
        <translation>{count} 页作为文本（≈ {tokens} 个词元）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="148"/>
        <source>{count} left out</source>
        <translation>{count} 页未读取</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="150"/>
        <source>All {count} pages: {cost}</source>
        <translation>全部 {count} 页：{cost}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="156"/>
        <source>Estimated before anything runs: {per_tile} s per tile to encode and {speed} image tokens per second to prefill ({source}). The answer starts after this.</source>
        <translation>运行前的估算：每个图块编码约 {per_tile} 秒，预填充每秒约 {speed} 个图像 token（{source}）。这之后才开始生成回答。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_words.py" line="161"/>
        <source>default figures</source>
        <translation>默认数值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="692"/>
        <source>Fine print: the model&apos;s full tile grid. Slower, but small text stays legible.</source>
        <translation>精细：使用模型的完整图块网格。较慢，但小字依然清晰可读。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/document_panel.py" line="695"/>
        <source>{preset}: at most {budget} image tokens per page (a smaller grid). Quicker answers; small print may be missed.</source>
        <translation>{preset}：每页最多 {budget} 个图像 token（网格更小）。回答更快，但可能漏掉小字。</translation>
    </message>
</context>
<context>
    <name>DownloadDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="318"/>
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="322"/>
        <source>Vision models that llama.cpp runs, from the Hugging Face hub. Both files are checked against the hub&apos;s sha256 before the model is used. Nothing but the file requests leaves this computer, and only when you click Download.</source>
        <translation>来自 Hugging Face Hub、可由 llama.cpp 运行的视觉模型。使用模型前，两个文件都会与 Hub 上的 sha256 校验值比对。除文件请求外，不会有任何数据离开这台电脑，而且只在你点击“下载”时才会发出请求。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="349"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="351"/>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="387"/>
        <source>Asking the hub for {name}…</source>
        <translation>正在向 Hub 请求 {name}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="413"/>
        <source>Installed as {name}. It is in the models list now.</source>
        <translation>已安装为 {name}，现已出现在模型列表中。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="419"/>
        <source>Download failed: {message}</source>
        <translation>下载失败：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="424"/>
        <source>Download cancelled. Download again to resume where it stopped.</source>
        <translation>下载已取消。再次下载将从中断处继续。</translation>
    </message>
</context>
<context>
    <name>EngineBridge</name>
    <message>
        <location filename="../../bluelm_desktop/ui/engine_bridge.py" line="517"/>
        <source>loading was cancelled</source>
        <translation>加载已取消</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/messages.py" line="80"/>
        <source>{error} (details in {path})</source>
        <translation>{error}（详情见 {path}）</translation>
    </message>
</context>
<context>
    <name>ExtractionPanel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="543"/>
        <source>Export invoice as CSV</source>
        <translation>将发票导出为 CSV</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="544"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="549"/>
        <source>Export invoice as JSON</source>
        <translation>将发票导出为 JSON</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="550"/>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="562"/>
        <source>Could not save {name}: {error}</source>
        <translation>无法保存 {name}：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="567"/>
        <source>Saved {name}.</source>
        <translation>已保存 {name}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="606"/>
        <source>Invoice</source>
        <translation>发票</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="607"/>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="611"/>
        <source>Line items</source>
        <translation>明细</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="608"/>
        <source>Invoice fields</source>
        <translation>发票字段</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="610"/>
        <source>One field a row, editable: F2 or typing changes a value</source>
        <translation>每行一个字段，可编辑：按 F2 或直接输入即可修改</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="613"/>
        <source>One line of the invoice a row, editable: F2 or typing changes a value</source>
        <translation>每行一个发票明细，可编辑：按 F2 或直接输入即可修改</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="614"/>
        <source>Add line</source>
        <translation>添加行</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="615"/>
        <source>Remove line</source>
        <translation>删除行</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="616"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="617"/>
        <source>Export JSON…</source>
        <translation>导出 JSON…</translation>
    </message>
</context>
<context>
    <name>FoundModelsDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="282"/>
        <source>Models found on this computer</source>
        <translation>在本机找到的模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="285"/>
        <source>These models were downloaded by other apps. Checked ones are added to the list and used where they are: nothing is copied.</source>
        <translation>这些模型由其他应用下载。勾选的模型会加入列表并在原位置使用，不会复制任何文件。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="289"/>
        <source>Models found</source>
        <translation>找到的模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="291"/>
        <source>vision + text, with {file}</source>
        <translation>视觉 + 文本，使用 {file}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="292"/>
        <source>text only</source>
        <translation>仅文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="299"/>
        <source>Add checked</source>
        <translation>添加勾选项</translation>
    </message>
</context>
<context>
    <name>InvoiceFieldsModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="185"/>
        <source>Vendor</source>
        <translation>供应商</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="185"/>
        <source>Invoice number</source>
        <translation>发票号码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="185"/>
        <source>Invoice date</source>
        <translation>开票日期</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="186"/>
        <source>Due date</source>
        <translation>到期日</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="186"/>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="186"/>
        <source>Subtotal</source>
        <translation>小计</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="187"/>
        <source>Tax</source>
        <translation>税额</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="187"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="206"/>
        <source>YYYY-MM-DD</source>
        <translation>YYYY-MM-DD</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="215"/>
        <source>✓ p. {page}</source>
        <translation>✓ 第 {page} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="216"/>
        <source>✗ not on the page</source>
        <translation>✗ 页面上没有</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="218"/>
        <source>Printed on page {page} of {document}: the value is exact.</source>
        <translation>印在 {document} 第 {page} 页：该值准确。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="221"/>
        <source>The page&apos;s text does not print this value: check it.</source>
        <translation>页面文字中没有这个值：请核对。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="233"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="233"/>
        <source>On the page</source>
        <translation>页面上</translation>
    </message>
</context>
<context>
    <name>LineItemsModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="261"/>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="261"/>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="261"/>
        <source>Unit price</source>
        <translation>单价</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="262"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="267"/>
        <source>Data directory: {path}</source>
        <translation>数据目录：{path}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="268"/>
        <source>Change it with --data-dir DIR or BLUELM_DATA_DIR</source>
        <translation>可用 --data-dir DIR 或 BLUELM_DATA_DIR 更改</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="291"/>
        <source>Document and extracted tables</source>
        <translation>文档与提取的表格</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="295"/>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="296"/>
        <source>Invoice fields</source>
        <translation>发票字段</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="297"/>
        <source>Contract terms</source>
        <translation>合同条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="335"/>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="561"/>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="708"/>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="336"/>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="338"/>
        <source>Choose another model</source>
        <translation>选择其他模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="340"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="343"/>
        <source>Threads, context, answers, documents, look (Ctrl+,)</source>
        <translation>线程、上下文、回答、文档、外观（Ctrl+,）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="347"/>
        <source>Status bar</source>
        <translation>状态栏</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="403"/>
        <source>Quick actions</source>
        <translation>快捷操作</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="406"/>
        <source>Quick actions:</source>
        <translation>快捷操作：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="410"/>
        <source>Sends it as a question; text you typed is added to it</source>
        <translation>作为问题发送；你已输入的文字会一并附上</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="412"/>
        <source>Quick action: sends it as a question about the attached document; text you typed is added to it</source>
        <translation>快捷操作：作为关于所附文档的问题发送；您输入的文字会附加在后面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="453"/>
        <source>Loading the model… {percent}</source>
        <translation>正在加载模型… {percent}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="481"/>
        <source>The model file is gone: {path}. Choose another model.</source>
        <translation>模型文件不存在：{path}。请选择其他模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="524"/>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="525"/>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="543"/>
        <source>Connecting to {server}…</source>
        <translation>正在连接 {server}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="545"/>
        <source>Connecting to the llama.cpp server…</source>
        <translation>正在连接 llama.cpp 服务器…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="606"/>
        <source>the PDF resolution applies from the next start</source>
        <translation>PDF 分辨率将在下次启动时生效</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="608"/>
        <source>the interface language changes at the next start</source>
        <translation>界面语言将在下次启动时更改</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="611"/>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="615"/>
        <source>connecting to the server</source>
        <translation>正在连接服务器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="612"/>
        <source>loading the model here</source>
        <translation>正在本机加载模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="616"/>
        <source>reloading the model</source>
        <translation>正在重新加载模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="618"/>
        <source>; </source>
        <comment>between the notes after &apos;Settings saved:&apos;</comment>
        <translation>；</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="619"/>
        <source>Settings saved: {notes}.</source>
        <translation>设置已保存：{notes}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="621"/>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="648"/>
        <source>vision + text</source>
        <translation>视觉 + 文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="648"/>
        <source>text only</source>
        <translation>仅文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="649"/>
        <source>{model} ({kind})</source>
        <translation>{model}（{kind}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="653"/>
        <source>This model reads text only: choose one with a vision projector (mmproj) to ask about documents.</source>
        <translation>此模型只能读取文本：要询问文档内容，请选择带视觉投影器（mmproj）的模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="665"/>
        <source>Model loaded in {seconds} s. Ask anything, or drop a document.</source>
        <translation>模型已加载，用时 {seconds} 秒。有问题尽管问，也可以拖入文档。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="667"/>
        <source>Model loaded in {seconds} s. Ask anything.</source>
        <translation>模型已加载，用时 {seconds} 秒。有问题尽管问。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="674"/>
        <source>{model} on {server}</source>
        <translation>{model}（{server}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="677"/>
        <source>Answers come from llama.cpp&apos;s llama-server at {server}: {model}, {slots} slot(s) of {positions} positions</source>
        <translation>回答来自 {server} 上 llama.cpp 的 llama-server：{model}，{slots} 个槽位，每个 {positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="682"/>
        <source>{server}: the server has no vision projector (llama-server was started without --mmproj); documents need one.</source>
        <translation>{server}：服务器没有视觉投影器（llama-server 启动时未带 --mmproj）；读取文档需要投影器。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="688"/>
        <source>Connected to {server} in {seconds} s: {model} answers.</source>
        <translation>已在 {seconds} 秒内连接到 {server}：由 {model} 回答。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="710"/>
        <source>Could not use the llama.cpp server: {message} (Settings… → Server, or choose a model here)</source>
        <translation>无法使用 llama.cpp 服务器：{message}（设置… → 服务器，或在此选择模型）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="716"/>
        <source>The model could not be loaded: {message}</source>
        <translation>无法加载模型：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="788"/>
        <source>“{action}” needs a document: drop, paste or capture one first.</source>
        <translation>“{action}”需要文档：请先拖入、粘贴或截取一份。</translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="373"/>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="375"/>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="382"/>
        <source>answering…</source>
        <translation>正在回答…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="384"/>
        <source>waiting for the document…</source>
        <translation>正在等待文档…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="386"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/chat_pane.py" line="388"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>MessageEdit</name>
    <message>
        <location filename="../../bluelm_desktop/ui/composer.py" line="74"/>
        <source>Ask a question… (Enter sends, Shift+Enter for a new line)</source>
        <translation>输入问题…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
</context>
<context>
    <name>ModelDownloads</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="108"/>
        <source>Could not reach {host}: no network connection (name lookup failed).</source>
        <translation>无法连接 {host}：没有网络连接（域名解析失败）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="111"/>
        <source>Could not reach {host}: no network connection (network unreachable).</source>
        <translation>无法连接 {host}：没有网络连接（网络不可达）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="114"/>
        <source>Could not reach {host}: the connection was refused.</source>
        <translation>无法连接 {host}：连接被拒绝。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="116"/>
        <source>Could not reach {host}: it did not answer in time.</source>
        <translation>无法连接 {host}：对方未及时响应。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="118"/>
        <source>Could not reach {host} safely: its certificate is not trusted ({detail}).</source>
        <translation>无法安全连接 {host}：其证书不受信任（{detail}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="122"/>
        <source>Could not reach {host} safely: the encrypted connection failed ({detail}).</source>
        <translation>无法安全连接 {host}：加密连接失败（{detail}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="126"/>
        <source>The connection to {host} broke off ({detail}).</source>
        <translation>与 {host} 的连接中断（{detail}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="130"/>
        <source>Could not reach {host} ({detail}).</source>
        <translation>无法连接 {host}（{detail}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="133"/>
        <source>Tried {count} times; downloading again resumes what was kept.</source>
        <translation>已尝试 {count} 次；再次下载会接着已保存的部分继续。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="143"/>
        <source>{host} has no {file} (HTTP 404): the catalog entry may be out of date.</source>
        <translation>{host} 上没有 {file}（HTTP 404）：目录条目可能已过时。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="146"/>
        <source>{host} refused {file} (HTTP {status}): the repository may be private or gated.</source>
        <translation>{host} 拒绝提供 {file}（HTTP {status}）：该仓库可能是私有的或需申请访问。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="149"/>
        <source>{host} is busy (HTTP 429, too many requests): try again later.</source>
        <translation>{host} 正忙（HTTP 429，请求过多）：请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="152"/>
        <source>{host} could not send {file} (HTTP {status}, a problem on the server): try again later.</source>
        <translation>{host} 无法发送 {file}（HTTP {status}，服务器出现问题）：请稍后再试。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="154"/>
        <source>{host} could not send {file} (HTTP {status}).</source>
        <translation>{host} 无法发送 {file}（HTTP {status}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="221"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="223"/>
        <source>Downloading…</source>
        <translation>正在下载…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_download.py" line="226"/>
        <source>Partly downloaded (resumes)</source>
        <translation>已下载部分（可续传）</translation>
    </message>
</context>
<context>
    <name>ModelPage</name>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="137"/>
        <source>Choose the model to chat with, or create the demo model.</source>
        <translation>选择要对话的模型，或创建演示模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="140"/>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="142"/>
        <source>Back to the chat</source>
        <translation>返回对话</translation>
    </message>
</context>
<context>
    <name>ModelSetup</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="73"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="74"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="75"/>
        <source>Layout</source>
        <translation>布局</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="76"/>
        <source>LLM precision</source>
        <translation>LLM 精度</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="77"/>
        <source>Size on disk</source>
        <translation>磁盘占用</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="78"/>
        <source>Est. RAM at {k}k ctx</source>
        <translation>估计内存（{k}k 上下文）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="79"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="82"/>
        <source>“vision + text” models have a vision projector (mmproj) and can read images.</source>
        <translation>“视觉 + 文本”模型带有视觉投影器（mmproj），可以读取图像。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="85"/>
        <source>The prompt and tiling layout the model was converted with.</source>
        <translation>模型转换时使用的提示词与切片布局。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="87"/>
        <source>Weight types of the language model, largest share first.</source>
        <translation>语言模型的权重类型，占比最大的在前。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="89"/>
        <source>Both files together.</source>
        <translation>两个文件合计。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="90"/>
        <source>Language model with a {tokens}-token context plus the vision encoder for one tile: weights, KV cache and compute buffers.</source>
        <translation>语言模型（{tokens} 词元上下文）加上处理一个切片的视觉编码器：权重、KV 缓存和计算缓冲区。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="97"/>
        <source>vision + text</source>
        <translation>视觉 + 文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="98"/>
        <source>text only</source>
        <translation>仅文本</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="121"/>
        <source>Error: {error}</source>
        <translation>错误：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="124"/>
        <source>Ready — demo, random weights (answers are noise)</source>
        <translation>就绪 — 演示模型，随机权重（回答没有意义）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="127"/>
        <source>Ready (external files, not copied)</source>
        <translation>就绪（外部文件，未复制）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="128"/>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="137"/>
        <source>Model:   {name}</source>
        <translation>模型：   {name}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="138"/>
        <source>Status:  {status}</source>
        <translation>状态：   {status}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="140"/>
        <source>LLM:     {path}</source>
        <translation>LLM：    {path}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="143"/>
        <source>mmproj:  {path}</source>
        <translation>mmproj： {path}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="146"/>
        <source>Est. RAM at n_ctx={n_ctx}: {size}</source>
        <translation>估计内存（n_ctx={n_ctx}）：{size}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="149"/>
        <source>Language model (LLM)</source>
        <translation>语言模型（LLM）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="150"/>
        <source>Vision projector (mmproj)</source>
        <translation>视觉投影器（mmproj）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="240"/>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="246"/>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="45"/>
        <source>Could not scan the models</source>
        <translation>无法扫描模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="57"/>
        <source>Could not create the demo model</source>
        <translation>无法创建演示模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="67"/>
        <source>Could not look for models</source>
        <translation>无法查找模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="78"/>
        <source>Could not add the models</source>
        <translation>无法添加这些模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_library_tasks.py" line="90"/>
        <source>Could not add the files</source>
        <translation>无法添加文件</translation>
    </message>
</context>
<context>
    <name>ModelSetupPanel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="337"/>
        <source>A model is a language model GGUF (LLM) and, to read images, its vision projector GGUF (mmproj). Converted models live in &lt;code&gt;{folder}&lt;/code&gt;; files you add stay where they are.</source>
        <translation>一个模型由语言模型 GGUF（LLM）组成；要读取图像，还需要它的视觉投影器 GGUF（mmproj）。转换得到的模型保存在 &lt;code&gt;{folder}&lt;/code&gt;；你添加的文件保留在原处。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="344"/>
        <source>Download a model…</source>
        <translation>下载模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="346"/>
        <source>Get a small vision model (InternVL3, LFM2-VL) from the Hugging Face hub</source>
        <translation>从 Hugging Face Hub 获取一个小型视觉模型（InternVL3、LFM2-VL）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="347"/>
        <source>Add GGUF files…</source>
        <translation>添加 GGUF 文件…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="349"/>
        <source>Use an LLM .gguf you already have, optionally with its mmproj</source>
        <translation>使用你已有的 LLM .gguf 文件，可附带其 mmproj</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="350"/>
        <source>Create demo model (random weights)</source>
        <translation>创建演示模型（随机权重）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="352"/>
        <source>Make a tiny BlueLM-layout model with random weights to try the app offline. It runs, but its answers are noise.</source>
        <translation>生成一个随机权重的微型 BlueLM 布局模型，用于离线试用本应用。它可以运行，但回答没有意义。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="355"/>
        <source>Find models on this computer…</source>
        <translation>查找本机上的模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="357"/>
        <source>Look for models LM Studio, Jan and llama.cpp downloaded, and use them where they are</source>
        <translation>查找 LM Studio、Jan 和 llama.cpp 下载的模型，并在原位置使用它们</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="359"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="370"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="372"/>
        <source>The models on this computer, one a row; “Use this model” chooses the selected one</source>
        <translation>本机上的模型，每行一个；“使用此模型”会选用所选的那个</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="388"/>
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="394"/>
        <source>Select a model to see what its files contain.</source>
        <translation>选择一个模型以查看其文件内容。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="395"/>
        <source>Model details</source>
        <translation>模型详情</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="426"/>
        <source>Download cancelled; it resumes where it stopped.</source>
        <translation>下载已取消；下次将从中断处继续。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="453"/>
        <source>Creating the demo model…</source>
        <translation>正在创建演示模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="461"/>
        <source>Choose the language model (LLM) GGUF</source>
        <translation>选择语言模型（LLM）GGUF 文件</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="467"/>
        <source>Choose its vision projector (mmproj) GGUF — Cancel for a text-only model</source>
        <translation>选择其视觉投影器（mmproj）GGUF 文件 — 取消则作为仅文本模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="476"/>
        <source>Looking for models of LM Studio, Jan and llama.cpp…</source>
        <translation>正在查找 LM Studio、Jan 和 llama.cpp 的模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="481"/>
        <source>Checking {file}…</source>
        <translation>正在检查 {file}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="539"/>
        <source>Created {name} in {folder} — random weights, answers are noise.</source>
        <translation>已在 {folder} 中创建 {name} — 随机权重，回答没有意义。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="549"/>
        <source>Downloaded and checked {file}.</source>
        <translation>已下载并校验 {file}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="555"/>
        <source>Added {name} ({kind}).</source>
        <translation>已添加 {name}（{kind}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="564"/>
        <source>No models of LM Studio, Jan or llama.cpp found that are not listed here already.</source>
        <translation>未找到尚未列出的 LM Studio、Jan 或 llama.cpp 模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="572"/>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="577"/>
        <source>Nothing added.</source>
        <translation>未添加任何模型。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="579"/>
        <source>Checking {count} model(s)…</source>
        <translation>正在检查 {count} 个模型…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="590"/>
        <source>Added {added} of {total}; {name} could not be used: {error}</source>
        <translation>已添加 {added}/{total} 个；{name} 无法使用：{error}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="594"/>
        <source>Added {count} model(s), left where they are.</source>
        <translation>已添加 {count} 个模型，文件保留在原位置。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="633"/>
        <source>No models yet.

Click “Download a model…” to get a small vision model from the Hugging Face hub.

Or click “Add GGUF files…” to use a model you already have: a language model .gguf and, to read images, its mmproj .gguf.

Or click “Create demo model (random weights)” to try the app with a tiny model made here in a few seconds. It runs like a real one, but its answers are noise.</source>
        <translation>还没有模型。

点击“下载模型…”从 Hugging Face Hub 获取一个小型视觉模型。

或点击“添加 GGUF 文件…”使用你已有的模型：一个语言模型 .gguf 文件，要读取图像还需要它的 mmproj .gguf 文件。

或点击“创建演示模型（随机权重）”，几秒钟内在本机生成一个微型模型来试用本应用。它像真实模型一样运行，但回答没有意义。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="643"/>
        <source>GGUF files (*.gguf);;All files (*)</source>
        <translation>GGUF 文件 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="648"/>
        <source>1 model</source>
        <translation>1 个模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="650"/>
        <source>{count} models</source>
        <translation>{count} 个模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="652"/>
        <source>{models}, {broken} with problems (see Status).</source>
        <translation>{models}，其中 {broken} 个有问题（见“状态”）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/model_setup.py" line="654"/>
        <source>{models}.</source>
        <translation>{models}。</translation>
    </message>
</context>
<context>
    <name>PageListModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/page_strip.py" line="69"/>
        <source>Page {page}</source>
        <translation>第 {page} 页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/page_strip.py" line="80"/>
        <source>Page {page}: {width} × {height} px · whole, the model cuts its own tiles</source>
        <translation>第 {page} 页：{width} × {height} 像素 · 整页，由模型自行切分图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/page_strip.py" line="83"/>
        <source>Page {page}: {width} × {height} px · {grid} · {tiles} tiles · {tokens} image tokens</source>
        <translation>第 {page} 页：{width} × {height} 像素 · {grid} · {tiles} 个图块 · {tokens} 个图像 token</translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <location filename="../../bluelm_desktop/ui/qt_strings.py" line="25"/>
        <source>Drive</source>
        <translation>驱动器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/qt_strings.py" line="26"/>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/qt_strings.py" line="27"/>
        <source>Folder</source>
        <comment>All other platforms</comment>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/qt_strings.py" line="28"/>
        <source>Shortcut</source>
        <comment>All other platforms</comment>
        <translation>快捷方式</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/qt_strings.py" line="23"/>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/qt_strings.py" line="24"/>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>QuickAction</name>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="103"/>
        <source>Translate text in image</source>
        <translation>翻译图中文字</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="104"/>
        <source>Extract invoice fields</source>
        <translation>提取发票字段</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="105"/>
        <source>Extract contract terms</source>
        <translation>提取合同条款</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/main_window.py" line="106"/>
        <source>Summarize</source>
        <translation>总结</translation>
    </message>
</context>
<context>
    <name>RegionSelector</name>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="74"/>
        <source>Could not take a screenshot: this display gave an empty image (on Wayland, allow screen capture for the app; headless and remote sessions have no screen to grab).</source>
        <translation>无法截图：此显示器返回了空白图像（在 Wayland 下，请允许本应用截取屏幕；无界面会话和远程会话没有可截取的屏幕）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="79"/>
        <source>Drag to select a region  ·  Enter to accept  ·  Esc to cancel</source>
        <translation>拖动以选择区域  ·  Enter 确认  ·  Esc 取消</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="81"/>
        <source>Could not take a screenshot: no screenshot portal answered on D-Bus (on Wayland, install xdg-desktop-portal and your desktop&apos;s portal backend).</source>
        <translation>无法截屏：D-Bus 上没有截屏门户响应（在 Wayland 下请安装 xdg-desktop-portal 及您桌面环境的门户后端）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="85"/>
        <source>Could not take a screenshot: the screenshot portal failed ({error}).</source>
        <translation>无法截屏：截屏门户出错（{error}）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/screen_capture.py" line="227"/>
        <source>Capture screen region</source>
        <translation>截取屏幕区域</translation>
    </message>
</context>
<context>
    <name>ServerPage</name>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="132"/>
        <source>yes</source>
        <translation>有</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="133"/>
        <source>no (started without --mmproj)</source>
        <translation>无（启动时未带 --mmproj）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="134"/>
        <source>Connected to {server}: {model}; vision: {vision}; {slots} slot(s) of {positions} positions</source>
        <translation>已连接到 {server}：{model}；视觉：{vision}；{slots} 个槽位，每个 {positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="145"/>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="146"/>
        <source>Use a llama.cpp server</source>
        <translation>使用 llama.cpp 服务器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="148"/>
        <source>Answers come from llama.cpp&apos;s llama-server at the address below instead of the model loaded on this computer</source>
        <translation>由下方地址上 llama.cpp 的 llama-server 回答，而不是本机加载的模型</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="152"/>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="154"/>
        <source>The server&apos;s address: http://HOST:PORT or https://HOST</source>
        <translation>服务器地址：http://主机:端口 或 https://主机</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="158"/>
        <source>Server API key</source>
        <translation>服务器 API 密钥</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="160"/>
        <source>The key the server was started with (--api-key); leave it empty if it has none. It is kept in a file only you can read, never in the settings</source>
        <translation>服务器启动时使用的密钥（--api-key）；没有则留空。它保存在只有你能读取的文件中，从不写入设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="162"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="163"/>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="164"/>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="166"/>
        <source>Asks the server what it serves, without changing the settings</source>
        <translation>询问服务器提供的模型，不更改设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="171"/>
        <source>Connection test result</source>
        <translation>连接测试结果</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="173"/>
        <source>What the last connection test found, in one line</source>
        <translation>上次连接测试的结果（一行）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="180"/>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="181"/>
        <source>API key:</source>
        <translation>API 密钥：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="189"/>
        <source>llama.cpp&apos;s own llama-server (a GPU box, or any machine on your network) answers instead of the model loaded here; start it with --mmproj to ask about documents. Only that address is contacted. Changing this reconnects (or loads the model here again).</source>
        <translation>由 llama.cpp 自带的 llama-server（一台 GPU 机器，或你网络中的任何机器）回答，而不是本机加载的模型；要询问文档，请用 --mmproj 启动它。只会连接这个地址。更改后会重新连接（或重新在本机加载模型）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="212"/>
        <source>The API key must be one word of printable characters.</source>
        <translation>API 密钥必须是由可打印字符组成的一个词。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="215"/>
        <source>Give the server&apos;s address, e.g. http://gpu-box:8080.</source>
        <translation>请填写服务器地址，例如 http://gpu-box:8080。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="232"/>
        <source>Give the server&apos;s address first.</source>
        <translation>请先填写服务器地址。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/server_settings.py" line="241"/>
        <source>Connecting to {server}…</source>
        <translation>正在连接 {server}…</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="100"/>
        <source>Allowed: more than {lo}, at most {hi}</source>
        <translation>允许的值：大于 {lo}，且不超过 {hi}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="102"/>
        <source>Allowed: {lo} to {hi}</source>
        <translation>允许的值：{lo} 到 {hi}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="106"/>
        <source>Allowed: more than {lo}</source>
        <translation>允许的值：大于 {lo}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="108"/>
        <source>Allowed: {lo} or more</source>
        <translation>允许的值：{lo} 或以上</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="110"/>
        <source>Allowed: at most {hi}</source>
        <translation>允许的值：不超过 {hi}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="111"/>
        <source>Allowed: any value</source>
        <translation>允许的值：任意</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="143"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="147"/>
        <source>Settings sections</source>
        <translation>设置分区</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="148"/>
        <source>Performance</source>
        <translation>性能</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="149"/>
        <source>Answers</source>
        <translation>回答</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="150"/>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="151"/>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="170"/>
        <source>All cores</source>
        <translation>全部核心</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="173"/>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="175"/>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="217"/>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="245"/>
        <source> tokens</source>
        <translation> token</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="184"/>
        <source>Use what “Measure speed” found fastest here</source>
        <translation>使用“测量速度”在本机测得最快的设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="186"/>
        <source>For a model measured on this computer, its measured tile batch, flash attention and cache types replace the four settings above</source>
        <translation>对于已在本机测速的模型，测得的图块批大小、Flash Attention 和缓存类型将取代上面四项设置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="191"/>
        <source>Threads:</source>
        <translation>线程数：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="192"/>
        <source>Context length:</source>
        <translation>上下文长度：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="193"/>
        <source>Prefill chunk:</source>
        <translation>预填充分块：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="194"/>
        <source>Tiles per encoder batch:</source>
        <translation>每批编码图块数：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="177"/>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="214"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="153"/>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="177"/>
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="178"/>
        <source>Automatic (llama.cpp decides)</source>
        <translation>自动（由 llama.cpp 决定）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="179"/>
        <source>16-bit (f16)</source>
        <translation>16 位（f16）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="180"/>
        <source>8-bit (q8_0), half the memory</source>
        <translation>8 位（q8_0），内存减半</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="195"/>
        <source>Flash attention:</source>
        <translation>Flash Attention：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="196"/>
        <source>Key cache:</source>
        <translation>键缓存（K）：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="197"/>
        <source>Value cache:</source>
        <translation>值缓存（V）：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="198"/>
        <source>Measured settings:</source>
        <translation>测得的设置：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="200"/>
        <source>Changing these reloads the model. A longer context holds longer conversations and more pages but needs more memory. Batching tiles pays on a GPU; on a CPU one at a time is as fast (see the engine benchmark). Flash attention and an 8-bit cache are measured per machine by “Measure speed” (bluelm-desktop tune), which picks them for each model unless you untick “Measured settings”. An 8-bit value cache needs flash attention; a model whose attention heads cannot be stored in 8 bits keeps a 16-bit cache.</source>
        <translation>更改这些设置会重新加载模型。更长的上下文能容纳更长的对话和更多页面，但需要更多内存。图块批处理在 GPU 上有益；在 CPU 上逐个编码同样快（见引擎基准测试）。Flash Attention 和 8 位缓存由“测量速度”（bluelm-desktop tune）按机器测量，并为每个模型选定，除非您取消勾选“测得的设置”。8 位值缓存需要 Flash Attention；注意力头无法以 8 位存储的模型保留 16 位缓存。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="218"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="220"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="221"/>
        <source>Random seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="228"/>
        <source>Temperature:</source>
        <translation>温度：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="229"/>
        <source>Top-p:</source>
        <translation>Top-p：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="230"/>
        <source>Top-k:</source>
        <translation>Top-k：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="231"/>
        <source>Repeat penalty:</source>
        <translation>重复惩罚：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="232"/>
        <source>Longest answer:</source>
        <translation>最长回答：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="233"/>
        <source>Seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="235"/>
        <source>Temperature 0 always picks the likeliest word: the same question gets the same answer. A fixed seed makes sampled answers repeatable.</source>
        <translation>温度为 0 时总是选择可能性最大的词：同样的问题会得到同样的回答。固定随机种子可让采样生成的回答可以复现。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="248"/>
        <source> dpi</source>
        <translation> dpi</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="251"/>
        <source>Image token budget:</source>
        <translation>图像 token 预算：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="252"/>
        <source>Custom budget per page:</source>
        <translation>每页自定义预算：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="253"/>
        <source>Largest grid (tiles across and down):</source>
        <translation>最大网格（横向和纵向图块数）：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="254"/>
        <source>Matching tolerance α:</source>
        <translation>匹配容差 α：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="255"/>
        <source>PDF resolution:</source>
        <translation>PDF 分辨率：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="257"/>
        <source>Fine print keeps the largest grid; Fast caps each page at 980 image tokens (a 2×2 grid and a thumbnail), several times quicker on a CPU. α is the paper&apos;s tolerance: a grid must gain more than α of the resolution to be preferred. These apply to documents attached from now on; the PDF resolution from the next start.</source>
        <translation>“精细”保留最大网格；“快速”将每页限制为 980 个图像 token（2×2 网格加一张缩略图），在 CPU 上快好几倍。α 是论文中的容差：一个网格的分辨率增益必须超过 α 才会被优先选用。这些设置对此后附加的文档生效；PDF 分辨率从下次启动起生效。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="265"/>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="265"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="266"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="271"/>
        <source>Same as the interface language</source>
        <translation>与界面语言相同</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="276"/>
        <source>Translate text in images to</source>
        <translation>图片文字翻译为</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="279"/>
        <source>Theme:</source>
        <translation>主题：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="280"/>
        <source>Interface language:</source>
        <translation>界面语言：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="281"/>
        <source>Translate text in images to:</source>
        <translation>图片文字翻译为：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="282"/>
        <source>The interface language changes the next time the app starts.</source>
        <translation>界面语言将在下次启动应用时更改。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="287"/>
        <source>Fine print (no cap)</source>
        <translation>精细（不设上限）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="287"/>
        <source>Fast</source>
        <translation>快速</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="288"/>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/settings_dialog.py" line="393"/>
        <source>A model measured here uses its measured value instead (see “Measured settings”).</source>
        <translation>已在本机测速的模型改用测得的值（见“测得的设置”）。</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="396"/>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="407"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="398"/>
        <source>Menu</source>
        <translation>菜单</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="398"/>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="399"/>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="408"/>
        <source>One row per command: its menu, its name and its keys</source>
        <translation>每行一个命令：所在菜单、名称和按键</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="106"/>
        <source>New conversation</source>
        <translation>新建对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="107"/>
        <source>Start an empty conversation (Ctrl+N)</source>
        <translation>开始一个空白对话（Ctrl+N）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="109"/>
        <source>Search conversations…</source>
        <translation>搜索对话…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="111"/>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="112"/>
        <source>Shows the conversations whose title or messages contain these words</source>
        <translation>显示标题或消息中包含这些词的对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="115"/>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="116"/>
        <source>Newest first. Enter opens one; F2 renames it, Delete deletes it</source>
        <translation>最新的在前。回车打开；F2 重命名，Delete 删除</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="224"/>
        <source>Rename conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="224"/>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="236"/>
        <source>Delete conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="237"/>
        <source>Delete “{title}” and its attachments? This cannot be undone.</source>
        <translation>删除“{title}”及其附件？此操作无法撤销。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="144"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/sidebar.py" line="146"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
</context>
<context>
    <name>TileOverlay</name>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="133"/>
        <source>Ctrl+wheel or Ctrl+= / Ctrl+− to zoom, Ctrl+0 or a double click for the whole page; drag to move a zoomed page</source>
        <translation>Ctrl+滚轮或 Ctrl+= / Ctrl+− 缩放，Ctrl+0 或双击显示整页；拖动可移动放大的页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="305"/>
        <source>Page preview</source>
        <translation>页面预览</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="311"/>
        <source>{title}: sent as its text layer, no tiles</source>
        <translation>{title}：以文本层发送，无图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="312"/>
        <source>{width} × {height} px</source>
        <translation>{width} × {height} 像素</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="314"/>
        <source>{title}: the whole page, the model cuts its own tiles</source>
        <translation>{title}：整页发送，由模型自行切分图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="316"/>
        <source>encoded</source>
        <translation>已编码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="316"/>
        <source>not encoded yet</source>
        <translation>尚未编码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="321"/>
        <source>1 tile plus a thumbnail, {positions} positions</source>
        <translation>1 个图块加一张缩略图，{positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="322"/>
        <source>1 tile, {positions} positions</source>
        <translation>1 个图块，{positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="324"/>
        <source>{cols} × {rows} tiles plus a thumbnail, {positions} positions</source>
        <translation>{cols} × {rows} 个图块加一张缩略图，{positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="326"/>
        <source>{cols} × {rows} tiles, {positions} positions</source>
        <translation>{cols} × {rows} 个图块，{positions} 个位置</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="329"/>
        <source>{done} of {total} tiles encoded</source>
        <translation>已编码 {done}/{total} 个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="332"/>
        <source>{count} values from the answer marked on the page</source>
        <translation>页面上标出了回答中的 {count} 个值</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="464"/>
        <source>padding</source>
        <translation>填充</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="475"/>
        <source>{percent} % · Ctrl+0: whole page</source>
        <translation>{percent}% · Ctrl+0：整页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="490"/>
        <source>Tile 1: the page, one tile</source>
        <translation>图块 1：整页，仅一个图块</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="491"/>
        <source>Tiles 1–{last}: the page on a {grid} grid</source>
        <translation>图块 1–{last}：按 {grid} 网格切分的页面</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="494"/>
        <source>Tile {number}: the whole page, shrunk to one tile</source>
        <translation>图块 {number}：缩小到一个图块大小的整页</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="496"/>
        <source>Hatched: white padding</source>
        <translation>斜线：白色填充</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="496"/>
        <source>Green: encoded</source>
        <translation>绿色：已编码</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tile_overlay.py" line="546"/>
        <source>thumbnail tile</source>
        <translation>缩略图图块</translation>
    </message>
</context>
<context>
    <name>TuneOffer</name>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="134"/>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="181"/>
        <source>Measure speed…</source>
        <translation>测量速度…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="145"/>
        <source>Measuring: {step}…</source>
        <translation>正在测量：{step}…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="137"/>
        <source>Measure this model on this computer (a few minutes): tile encoding, prefill and decode speed, whether encoding beside prefill and tiles in batches pay here, and which attention setting answers soonest with a page in context. The estimates and the engine use the result.</source>
        <translation>在本机测量此模型（需几分钟）：图块编码、预填充和解码速度，编码与预填充并行以及图块批处理在本机是否更快，以及上下文中有一页时哪种注意力设置回答最快。时间估计和引擎都会使用测量结果。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="163"/>
        <source>The time estimates are guesses for this computer: “Measure speed…” in the status bar measures this model here (a few minutes).</source>
        <translation>时间估计只是对本机的猜测：状态栏中的“测量速度…”会在本机测量此模型（需几分钟）。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="177"/>
        <source>Stop measuring</source>
        <translation>停止测量</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="178"/>
        <source>Measuring this model&apos;s speed…</source>
        <translation>正在测量此模型的速度…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="190"/>
        <source>{seconds} s a tile</source>
        <translation>每个图块 {seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="192"/>
        <source>prefill {speed} tokens/s</source>
        <translation>预填充 {speed} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="194"/>
        <source>answers at {speed} tokens/s</source>
        <translation>回答 {speed} 词元/秒</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="197"/>
        <source>encoding beside prefill pays here</source>
        <translation>编码与预填充并行在此更快</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="198"/>
        <source>one stage at a time is faster here (used from the next model load)</source>
        <translation>在此逐阶段运行更快（下次加载模型时生效）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="200"/>
        <source>Measured: {figures}.</source>
        <translation>测量结果：{figures}。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="206"/>
        <source>Measuring failed: {message}</source>
        <translation>测量失败：{message}</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="212"/>
        <source>Measuring stopped.</source>
        <translation>测量已停止。</translation>
    </message>
</context>
<context>
    <name>TuneRunner</name>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="106"/>
        <source>tune: unreadable result ({error})</source>
        <translation>tune：无法读取结果（{error}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="112"/>
        <source>tune stopped (exit code {code})</source>
        <translation>tune 已停止（退出码 {code}）</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/tune_offer.py" line="119"/>
        <source>tune could not be started</source>
        <translation>无法启动 tune</translation>
    </message>
</context>
<context>
    <name>WindowActions</name>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="90"/>
        <source>Menu bar</source>
        <translation>菜单栏</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="93"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="94"/>
        <source>&amp;New conversation</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="96"/>
        <source>&amp;Attach files…</source>
        <translation>附加文件(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="101"/>
        <source>&amp;Capture screen region…</source>
        <translation>截取屏幕区域(&amp;C)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="105"/>
        <source>Capture and &amp;translate…</source>
        <translation>截图并翻译(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="108"/>
        <source>Capture a screen region and translate the text in it</source>
        <translation>截取屏幕区域并翻译其中的文字</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="110"/>
        <source>&amp;Export table as CSV…</source>
        <translation>将表格导出为 CSV(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="113"/>
        <source>Export table as &amp;JSON…</source>
        <translation>将表格导出为 JSON(&amp;J)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="116"/>
        <source>&amp;Models…</source>
        <translation>模型(&amp;M)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="118"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="122"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="123"/>
        <source>&amp;Copy answer</source>
        <translation>复制回答(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="125"/>
        <source>The selected message, or else the last answer, as markdown</source>
        <translation>所选消息（若未选则为最后一个回答），Markdown 格式</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="127"/>
        <source>&amp;Paste image or document</source>
        <translation>粘贴图片或文档(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="130"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="134"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="137"/>
        <source>&amp;Conversation list</source>
        <translation>对话列表(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="139"/>
        <source>&amp;Document panel</source>
        <translation>文档面板(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="142"/>
        <source>&amp;Question box</source>
        <translation>问题输入框(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="145"/>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="149"/>
        <source>&amp;Same as the system</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="150"/>
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="150"/>
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="156"/>
        <source>&amp;Conversation</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="157"/>
        <source>&amp;Send question</source>
        <translation>发送问题(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="159"/>
        <source>S&amp;top answer</source>
        <translation>停止回答(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="160"/>
        <source>&amp;Regenerate answer</source>
        <translation>重新生成回答(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="167"/>
        <source>&amp;Quick actions</source>
        <translation>快捷操作(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="180"/>
        <source>&amp;Previous conversation</source>
        <translation>上一个对话(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="182"/>
        <source>&amp;Next conversation</source>
        <translation>下一个对话(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="184"/>
        <source>Searc&amp;h conversations</source>
        <translation>搜索对话(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="192"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="193"/>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="196"/>
        <source>&amp;About BlueLM Desktop</source>
        <translation>关于 BlueLM Desktop(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="356"/>
        <source>About BlueLM Desktop</source>
        <translation>关于 BlueLM Desktop</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/window_actions.py" line="357"/>
        <source>BlueLM Desktop {version}

An offline assistant for questions about documents and images: nothing leaves this computer.</source>
        <translation>BlueLM Desktop {version}

离线的文档与图片问答助手：任何内容都不会离开这台电脑。</translation>
    </message>
</context>
<context>
    <name>WindowFiles</name>
    <message>
        <location filename="../../bluelm_desktop/ui/app.py" line="93"/>
        <source>{names}: attached when a model is loaded.</source>
        <translation>{names}：模型加载后即附加。</translation>
    </message>
</context>
<context>
    <name>_InvoiceModel</name>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="123"/>
        <source>“{text}” is not a number: write amounts like 1234.50.</source>
        <translation>“{text}”不是数字：金额请按 1234.50 这样的格式填写。</translation>
    </message>
    <message>
        <location filename="../../bluelm_desktop/ui/extraction_table.py" line="129"/>
        <source>“{text}” is not a date: write dates as YYYY-MM-DD.</source>
        <translation>“{text}”不是日期：日期请按 YYYY-MM-DD 格式填写。</translation>
    </message>
</context>
</TS>
