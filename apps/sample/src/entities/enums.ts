export const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export const USER_PLANS = ['free', 'pro', 'team'] as const;
export type UserPlan = (typeof USER_PLANS)[number];

export const CONVERSATION_STATUSES = ['active', 'closed', 'archived'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export const SCRIPT_STATUSES = ['draft', 'review', 'approved', 'rejected'] as const;
export type ScriptStatus = (typeof SCRIPT_STATUSES)[number];

export const GENERATION_STATUSES = ['queued', 'generating', 'done', 'failed'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

export const RESOURCE_TYPES = ['image', 'video', 'audio', 'voiceover', 'subtitle'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
