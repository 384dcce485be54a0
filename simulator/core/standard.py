"""Skill codes of 全媒体运营师 国家职业标准 (2023年版) that tasks may be tagged with.

Codes are ``LEVEL/CODE`` (``L3/6.1.4`` = 三级 skill 6.1.4). Descriptions are short paraphrases for menus.
"""

from __future__ import annotations

LEVELS = ("L4", "L3", "L2", "L1")
LEVEL_NAMES = {"L4": "四级/中级工", "L3": "三级/高级工", "L2": "二级/技师", "L1": "一级/高级技师"}
DIRECTIONS = ("创意策划", "视听运营", "直播运营", "流量运营", "数据分析")
DIRECTION_EN = {"创意策划": "Creative planning", "视听运营": "Audio-visual operations",
                "直播运营": "Livestream operations", "流量运营": "Traffic operations", "数据分析": "Data analysis"}
PASS_MARK = 60

SKILLS: dict[str, str] = {
    "L4/1.1.1": "搜集行业报告素材", "L4/1.1.2": "编撰行业分析报告", "L4/1.1.3": "建立行业信息渠道库",
    "L4/1.2.1": "分析传播平台特点", "L4/1.2.2": "编撰平台分析报告", "L4/1.2.3": "建立平台资源库",
    "L4/5.1.1": "流量后台账户及投放计划基础建设", "L4/5.1.2": "制订流量投放方案", "L4/5.1.3": "完成流量投放",
    "L4/5.2.1": "出价、转化等运营工作", "L4/5.2.2": "根据投放数据优化方案",
    "L4/6.1.1": "形成运营数据统计报表", "L4/6.1.2": "账号核心数据分析报告",
    "L4/6.2.1": "分析统计报表并提出优化建议(数据质量)", "L4/6.2.2": "账号数据优化建议",
    "L3/1.1.1": "行业趋势研判", "L3/1.1.2": "货品定位定价与推广方案", "L3/1.2.1": "分阶段营销方案",
    "L3/1.2.2": "产品差异化策略", "L3/1.3.1": "平台策略优化", "L3/1.3.2": "平台资源库优化",
    "L3/1.4.1": "网络舆情风险报告", "L3/1.4.2": "舆情处置方案",
    "L3/5.1.1": "结合平台工具制定营销策略", "L3/5.1.2": "结合行业差异化需求制定营销策略",
    "L3/5.2.1": "根据人货场指标制订货品投放计划", "L3/5.2.2": "矩阵账号导流", "L3/5.2.3": "爆品追踪分析",
    "L3/5.2.4": "根据投放与签收数据优化品类与投放", "L3/5.3.1": "人群细分,提高投放精准度",
    "L3/5.3.2": "行业分析与营销诊断", "L3/5.3.3": "选择创意产出渠道",
    "L3/6.1.1": "编制5A关系资产图", "L3/6.1.2": "根据内容资产图分析并优化方案",
    "L3/6.1.3": "人货场运营策略", "L3/6.1.4": "完成A/B测试",
    "L3/6.2.1": "营销方案优化", "L3/6.2.2": "对比指标差异,全链路传播管理", "L3/6.2.3": "跨资源营销活动分析",
    "L3/7.1.1": "流量价值分析", "L3/7.1.2": "根据效果数据与人群画像提出排品建议",
    "L3/7.2.1": "内容优化方案", "L3/7.2.2": "商业化变现优化方案",
    "L2/1.1.1": "形成运营数据汇总报表", "L2/1.1.2": "制订运营优化方案", "L2/1.1.3": "优化运营目标(投入产出比预测)",
    "L2/1.2.1": "形成运营数据分析报表", "L2/1.2.2": "效果评估", "L2/1.2.3": "建立数据模型",
    "L2/3.3.1": "传播效果报告", "L2/3.3.2": "传播策略优化方案", "L2/4.1.1": "团队业务目标分解",
    "L2/4.1.2": "制定KPI或OKR", "L2/4.3.2": "传播矩阵效果评估", "L2/4.3.3": "传播矩阵优化调整",
    "L1/1.2.3": "评估资源利用率", "L1/1.3.3": "制订货品销售计划", "L1/3.1.1": "财务目标分解",
    "L1/3.1.2": "制定项目财务目标", "L1/3.1.3": "制定项目预算表", "L1/3.2.2": "项目风险评估",
}
SKILLS_EN: dict[str, str] = {
    "L4/1.1.1": "Collect industry report material", "L4/1.1.2": "Write an industry analysis report",
    "L4/1.1.3": "Build an industry information source list", "L4/1.2.1": "Analyse platform characteristics",
    "L4/1.2.2": "Write a platform analysis report", "L4/1.2.3": "Build a platform resource library",
    "L4/5.1.1": "Set up ad accounts and delivery plans", "L4/5.1.2": "Draw up a traffic delivery plan",
    "L4/5.1.3": "Run traffic delivery", "L4/5.2.1": "Bidding, conversion and related operations",
    "L4/5.2.2": "Optimise the plan from delivery data", "L4/6.1.1": "Produce operations statistics reports",
    "L4/6.1.2": "Account core-metrics analysis report",
    "L4/6.2.1": "Analyse reports and suggest improvements (data quality)",
    "L4/6.2.2": "Account data optimisation suggestions", "L3/1.1.1": "Judge industry trends",
    "L3/1.1.2": "Product positioning, pricing and promotion plan", "L3/1.2.1": "Phased marketing plan",
    "L3/1.2.2": "Product differentiation strategy", "L3/1.3.1": "Optimise platform strategy",
    "L3/1.3.2": "Optimise the platform resource library", "L3/1.4.1": "Online sentiment risk report",
    "L3/1.4.2": "Sentiment incident response plan", "L3/5.1.1": "Marketing strategy with platform tools",
    "L3/5.1.2": "Marketing strategy for industry-specific needs",
    "L3/5.2.1": "Product delivery plan from people-product-place metrics",
    "L3/5.2.2": "Traffic diversion across an account matrix", "L3/5.2.3": "Track and analyse hit products",
    "L3/5.2.4": "Optimise categories and delivery from delivery and receipt data",
    "L3/5.3.1": "Audience segmentation for precise delivery",
    "L3/5.3.2": "Industry analysis and marketing diagnosis", "L3/5.3.3": "Choose creative production channels",
    "L3/6.1.1": "Build a 5A relationship-asset map", "L3/6.1.2": "Analyse and optimise from the content-asset map",
    "L3/6.1.3": "People-product-place operations strategy", "L3/6.1.4": "Run an A/B test",
    "L3/6.2.1": "Optimise the marketing plan",
    "L3/6.2.2": "Compare metric differences; full-funnel communication management",
    "L3/6.2.3": "Cross-resource campaign analysis", "L3/7.1.1": "Traffic value analysis",
    "L3/7.1.2": "Product line-up suggestions from results and audience profiles",
    "L3/7.2.1": "Content optimisation plan", "L3/7.2.2": "Monetisation optimisation plan",
    "L2/1.1.1": "Produce operations summary reports", "L2/1.1.2": "Draw up an operations optimisation plan",
    "L2/1.1.3": "Optimise operations targets (ROI forecast)", "L2/1.2.1": "Produce operations analysis reports",
    "L2/1.2.2": "Evaluate results", "L2/1.2.3": "Build a data model", "L2/3.3.1": "Communication results report",
    "L2/3.3.2": "Communication strategy optimisation plan", "L2/4.1.1": "Break down team business targets",
    "L2/4.1.2": "Set KPIs or OKRs", "L2/4.3.2": "Evaluate the communication matrix",
    "L2/4.3.3": "Optimise and adjust the communication matrix", "L1/1.2.3": "Assess resource utilisation",
    "L1/1.3.3": "Draw up a product sales plan", "L1/3.1.1": "Break down financial targets",
    "L1/3.1.2": "Set project financial targets", "L1/3.1.3": "Draw up a project budget",
    "L1/3.2.2": "Assess project risks",
}
"""English wording of :data:`SKILLS` (for instructor pages in English)."""
